package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals as an operator sends them: the first stops gracefully, a second exits at once, through
 * bin/loopwork too.
 */
class SignalsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path LAUNCHER =
      Path.of("..", "bin", "loopwork").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void aSecondSignalExitsAtOnceWhileAnIterationIsStillRunning() throws Exception {
    String url = TestDatabases.freshPostgres();
    String name = url.substring(url.lastIndexOf('/') + 1);
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: postgres\n"
            + "admin:\n  enabled: false\nservices:\n  slow:\n    interval: 1s\n    sql: SELECT pg_sleep(120)\n");

    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  count(
                          TestDatabases.PG_ADMIN_URL,
                          "SELECT count(*) FROM pg_stat_activity "
                              + "WHERE datname = '"
                              + name
                              + "' AND query LIKE 'SELECT pg_sleep(120)%'")
                      == 1);
      host.terminate();
      host.awaitLog("send it again to exit at once");
      assertThat(host.isAlive()).as("the first signal waits for the running iteration").isTrue();
      host.terminate();

      assertThat(host.awaitExit(Duration.ofSeconds(20))).isEqualTo(143);
    }
  }

  /**
   * Issue 18: the signal's line counts the five services it stops (not the host's own presence
   * run), and the shutdown names the services it waits for and how long each took.
   */
  @Test
  void sigtermCountsTheServicesAndLogsHowLongEachTookToStop() throws Exception {
    StringBuilder services = new StringBuilder();
    List<String> names = List.of("s1", "s2", "s3", "s4", "s5");
    names.forEach(
        n -> services.append("  ").append(n).append(":\n    interval: 1s\n    sql: SELECT 1\n"));
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(dir)
            + "\nadmin:\n  enabled: false\nservices:\n"
            + services);

    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      host.terminate();
      assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();

      assertThat(host.stderr())
          .contains("Received SIGTERM: stopping 5 loop service run(s)")
          .contains("Stopping; waiting for 5 service(s): [s1, s2, s3, s4, s5]")
          .containsPattern("Time each service took to stop: (s[1-5] \\d+ ms, ){4}s[1-5] \\d+ ms");
      names.forEach(n -> assertThat(host.stderr()).containsPattern(n + " \\d+ ms"));
    }
  }

  @Test
  void theLauncherHandsSignalsToTheJvm() throws IOException, InterruptedException {
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(dir)
            + "\n"
            + "admin:\n  enabled: false\nservices:\n  noop:\n    interval: 1s\n    sql: SELECT 1\n");
    Path err = dir.resolve("launcher.err");
    Process launcher =
        new ProcessBuilder(List.of(LAUNCHER.toString(), "run", "-c", "loopwork.yaml"))
            .directory(dir.toFile())
            .redirectError(err.toFile())
            .redirectOutput(dir.resolve("launcher.out").toFile())
            .start();
    try {
      await().atMost(WAIT).until(() -> Files.readString(err).contains("service(s) on"));
      assertThat(launcher.info().command())
          .as("exec replaced the shell by the JVM")
          .hasValueSatisfying(command -> assertThat(command).endsWith("java"));
      launcher.destroy();

      assertThat(launcher.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(launcher.exitValue()).as(Files.readString(err)).isZero();
      assertThat(Files.readString(err)).contains("every service has stopped");
    } finally {
      launcher.destroyForcibly();
    }
  }
}
