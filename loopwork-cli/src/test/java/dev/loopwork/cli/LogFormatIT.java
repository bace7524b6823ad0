package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopwork.cli.plugin.GreetingService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --log-format json}: every log line is one JSON object, and lines from an iteration carry
 * its MDC.
 */
class LogFormatIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void jsonLinesCarryTheServiceAndIteration() throws Exception {
    String url = TestDatabases.h2File(dir);
    TestDatabases.execute(url, "CREATE TABLE greetings (message VARCHAR(100))");
    PluginJar.write(dir.resolve("plugins/greeting.jar"), GreetingService.class);
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\nadmin:\n  enabled: false\n"
            + "services:\n  greeter:\n    interval: 200ms\n    class: "
            + GreetingService.class.getName()
            + "\n"
            + "    settings:\n      message: hi\n");

    try (HostProcess host =
        HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml", "--log-format", "json")) {
      host.awaitLog("greeting hi");
      host.terminate();
      assertThat(host.awaitExit(Duration.ofSeconds(60))).as(host.stderr()).isZero();

      List<JsonNode> lines = new ArrayList<>();
      for (String line : host.stderr().split("\n")) {
        lines.add(JSON.readTree(line));
      }
      JsonNode greeting =
          lines.stream()
              .filter(l -> l.path("formattedMessage").asText().equals("greeting hi"))
              .findFirst()
              .orElseThrow();
      assertThat(greeting.get("level").asText()).isEqualTo("INFO");
      assertThat(greeting.get("mdc").get("loopwork.service").asText()).isEqualTo("greeter");
      assertThat(greeting.get("mdc").get("loopwork.iteration").asLong()).isPositive();
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l.path("formattedMessage").asText())
                      .contains("every service has stopped"));
    }
  }
}
