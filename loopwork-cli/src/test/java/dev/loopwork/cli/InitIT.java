package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, a first run: {@code loopwork init} writes a configuration that {@code check} accepts
 * and {@code run} runs (its sql service iterates on the embedded H2 database), prints the commands
 * that come next, and never overwrites a file; {@code run} without a configuration says in one line
 * how to get one.
 */
class InitIT {
  @TempDir Path dir;

  @Test
  void theFileThatInitWritesPassesCheckAndRuns() throws Exception {
    HostProcess.Result init = HostProcess.run(dir, Map.of(), "init");
    assertThat(init.exitCode()).as(init.stderr()).isZero();
    assertThat(init.stdout())
        .containsSubsequence(
            "loopwork check --config loopwork.yaml", "loopwork run --config loopwork.yaml");

    HostProcess.Result check = HostProcess.run(dir, Map.of(), "check", "--config", "loopwork.yaml");
    assertThat(check.exitCode()).as(check.stderr()).isZero();
    assertThat(check.stdout()).contains("heartbeat");

    int port = HostProcess.freePort();
    Path config = dir.resolve("loopwork.yaml");
    Files.writeString(config, Files.readString(config).replace("port: 8432", "port: " + port));
    String embedded =
        "jdbc:h2:file:"
            + dir.resolve("loopwork-data/loopwork").toAbsolutePath()
            + ";AUTO_SERVER=TRUE";
    try (HostProcess host =
        HostProcess.start(
            dir,
            Map.of("LOOPWORK_SERVICES_HEARTBEAT_INTERVAL", "300ms"),
            "run",
            "--config",
            "loopwork.yaml")) {
      host.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port);
      await()
          .atMost(HostProcess.STARTUP)
          .ignoreExceptions()
          .until(
              () ->
                  count(
                              embedded,
                              "SELECT count(*) FROM loopwork_run WHERE service = 'heartbeat'"
                                  + " AND outcome = 'SUCCEEDED'")
                          >= 3
                      && count(embedded, "SELECT count(*) FROM heartbeat") >= 3);
      host.terminate();
      assertThat(host.awaitExit(HostProcess.STARTUP)).as(host.stderr()).isZero();
    }
  }

  @Test
  void initNeverOverwritesAFile() throws Exception {
    Path config = dir.resolve("mine.yaml");
    Files.writeString(config, "database: embedded\n");

    HostProcess.Result init = HostProcess.run(dir, Map.of(), "init", "mine.yaml");

    assertThat(init.exitCode()).isEqualTo(2);
    assertThat(init.stderr()).contains("loopwork: mine.yaml exists already");
    assertThat(Files.readString(config)).isEqualTo("database: embedded\n");
  }

  @Test
  void runWithoutAConfigurationSaysInOneLineHowToGetOne() {
    try (HostProcess host = HostProcess.start(dir, Map.of(), "run")) {
      host.awaitLog("'loopwork init' writes a loopwork.yaml");
      host.terminate();
      host.awaitExit(HostProcess.STARTUP);
      assertThat(host.stderr().lines().filter(l -> l.contains("loopwork init")))
          .as(host.stderr())
          .hasSize(1);
    }
  }
}
