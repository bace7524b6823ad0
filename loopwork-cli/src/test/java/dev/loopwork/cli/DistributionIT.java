package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: the distribution archive as an operator gets it. Unpacked in an empty folder, its
 * {@code bin/loopwork} prints its version, checks the sample {@code loopwork.yaml}, and runs it:
 * its sql service succeeds, and SIGTERM ends the host with 0. Nothing but the archive and a JDK.
 */
class DistributionIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void theUnpackedArchiveChecksAndRunsItsSampleConfiguration() throws Exception {
    Path archive = Path.of(System.getProperty("loopwork.dist", "target/no-archive"));
    assertThat(archive).as("the archive that 'package' builds").isRegularFile();
    assertThat(run(dir, "tar", "xzf", archive.toAbsolutePath().toString()).exitValue()).isZero();
    String version =
        archive.getFileName().toString().replace("loopwork-", "").replace(".tar.gz", "");
    Path home = dir.resolve("loopwork-" + version);
    assertThat(home.resolve("README.md")).isRegularFile();
    assertThat(home.resolve("lib")).isDirectory();

    assertThat(output(run(home, "bin/loopwork", "--version"))).contains("loopwork " + version);
    Process check = run(home, "bin/loopwork", "check", "-c", "loopwork.yaml");
    assertThat(output(check)).contains("heartbeat");
    assertThat(check.exitValue()).isZero();

    int port = HostProcess.freePort();
    Path config = home.resolve("loopwork.yaml");
    Files.writeString(config, Files.readString(config).replace("port: 8432", "port: " + port));
    Process host =
        new ProcessBuilder(home.resolve("bin/loopwork").toString(), "run", "-c", "loopwork.yaml")
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("host.log").toFile())
            .start();
    try {
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(succeeded(port, "heartbeat")).isTrue());
      host.destroy(); // SIGTERM
      assertThat(host.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(host.exitValue()).as(Files.readString(dir.resolve("host.log"))).isZero();
    } finally {
      host.destroyForcibly();
    }
  }

  /** Whether the last recorded iteration of {@code service} succeeded. */
  private static boolean succeeded(int port, String service)
      throws IOException, InterruptedException {
    HttpResponse<String> runs =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + port + "/api/services/" + service + "/runs"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode list = JSON.readTree(runs.body());
    return list.isArray()
        && !list.isEmpty()
        && list.get(list.size() - 1).get("outcome").asText().equals("SUCCEEDED");
  }

  private static Process run(Path directory, String... command)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as(String.join(" ", command))
        .isTrue();
    return process;
  }

  private static String output(Process process) throws IOException {
    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
