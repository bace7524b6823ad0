package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.cli.plugin.H2AliasDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the databases the host reaches. It ships MariaDB's driver beside PostgreSQL's and H2's;
 * a URL that none of them accepts is refused by {@code check} (and {@code run}, before it connects)
 * naming the URL's prefix and the plugins folder; and a driver's jar put into that folder is used,
 * by {@code check}, {@code run} and {@code services}.
 */
class PluginDriverIT {
  private static final String MISSING = "database.url: no JDBC driver in the host accepts ";

  @TempDir Path dir;

  @Test
  void checkNamesTheMissingDriverAndTheShippedOnesPass() throws Exception {
    write("jdbc:foo://db.example:1/app");

    HostProcess.Result check = HostProcess.run(dir, Map.of(), "check", "-c", "loopwork.yaml");
    HostProcess.Result run = HostProcess.run(dir, Map.of(), "run", "-c", "loopwork.yaml");

    for (HostProcess.Result refused : new HostProcess.Result[] {check, run}) {
      assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
      assertThat(refused.stderr())
          .contains(MISSING + "jdbc:foo: URLs")
          .contains("put the driver's jar into the plugins folder (plugins)");
    }
    write("jdbc:mariadb://127.0.0.1:3306/app");
    HostProcess.Result mariadb = HostProcess.run(dir, Map.of(), "check", "-c", "loopwork.yaml");
    assertThat(mariadb.exitCode()).as(mariadb.stderr()).isZero();
  }

  @Test
  void aDriverJarInThePluginsFolderIsUsed() throws Exception {
    String h2 = TestDatabases.h2File(dir);
    TestDatabases.execute(h2, "CREATE TABLE ticks (at TIMESTAMP NOT NULL)");
    write(H2AliasDriver.PREFIX + h2.substring("jdbc:h2:".length()));
    HostProcess.Result without = HostProcess.run(dir, Map.of(), "check", "-c", "loopwork.yaml");
    assertThat(without.stderr()).contains(MISSING + H2AliasDriver.PREFIX + " URLs");

    PluginJar.writeDriver(dir.resolve("plugins/h2alias.jar"), H2AliasDriver.class);

    HostProcess.Result check = HostProcess.run(dir, Map.of(), "check", "-c", "loopwork.yaml");
    assertThat(check.exitCode()).as(check.stderr()).isZero();
    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> count(h2, "SELECT count(*) FROM ticks") >= 2);
      HostProcess.Result ls =
          HostProcess.run(dir, Map.of(), "services", "ls", "-c", "loopwork.yaml");
      assertThat(ls.exitCode()).as(ls.stderr()).isZero();
      assertThat(ls.stdout()).contains("tick");
      host.terminate();
      assertThat(host.awaitExit(HostProcess.STARTUP)).as(host.stderr()).isZero();
    }
  }

  private void write(String url) throws Exception {
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\nadmin:\n  enabled: false\nservices:\n  tick:\n    interval: 200ms\n"
            + "    sql: INSERT INTO ticks (at) VALUES (CURRENT_TIMESTAMP)\n");
  }
}
