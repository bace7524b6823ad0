package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: with {@code tracing.otlp.endpoint} set, the host exports a span of every iteration over
 * OTLP/HTTP. The receiver here is a plain HTTP server that keeps what is posted to it: an OTLP
 * export is a protobuf message, whose strings (the span's name, its attributes) are plain UTF-8.
 */
class TracingIT {
  @TempDir Path dir;
  private final List<String> exports = new CopyOnWriteArrayList<>();
  private HttpServer receiver;

  @AfterEach
  void stopReceiver() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  void everyIterationIsASpanExportedOverOtlp() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            exports.add(new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(dir)
            + "\nadmin:\n  enabled: false\nreplica: traced-1\ntracing:\n  otlp:\n    endpoint: "
            + "http://127.0.0.1:"
            + receiver.getAddress().getPort()
            + "/v1/traces\nservices:\n  traced-heartbeat:\n    interval: 200ms\n    sql: SELECT 1\n");

    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  exports.stream()
                      .anyMatch(
                          export ->
                              export.contains("traced-heartbeat")
                                  && export.contains("outcome")
                                  && export.contains("SUCCESS")
                                  && export.contains("traced-1")));
      host.terminate();
      assertThat(host.awaitExit(HostProcess.STARTUP)).as(host.stderr()).isZero();
      assertThat(host.stderr()).contains("exports a span of every iteration to http://127.0.0.1:");
    }
  }
}
