package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.cli.plugin.GreetingService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loopwork run} with {@code sql} and {@code class} services, as a real process on PostgreSQL
 * and on H2: the rows change as configured, and SIGTERM stops it with exit code 0 and the leases
 * released.
 */
class SqlServicesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void runsSqlServicesOnPostgres() throws Exception {
    String url = TestDatabases.freshPostgres();
    execute(
        url,
        "CREATE TABLE sessions (id SERIAL PRIMARY KEY, expires_at TIMESTAMP NOT NULL)",
        "INSERT INTO sessions (expires_at) SELECT now() - interval '1 hour' FROM generate_series(1, 5)",
        "INSERT INTO sessions (expires_at) SELECT now() + interval '1 hour' FROM generate_series(1, 3)",
        "CREATE TABLE ticks (id SERIAL PRIMARY KEY, at TIMESTAMP NOT NULL)");
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: ${env:DB_USER}\n"
            + "admin:\n  enabled: false\n"
            + "services:\n"
            + "  expire-sessions:\n    interval: 500ms\n    sql: DELETE FROM sessions WHERE expires_at < now()\n"
            + "  tick:\n    interval: 500ms\n    coordination: every-replica\n    statement-timeout: 5s\n    sql:\n"
            + "      - INSERT INTO ticks (at) VALUES (now())\n      - DELETE FROM ticks WHERE id < 0\n"
            + "  too-slow:\n    interval: 1s\n    timeout: 1s\n    sql: SELECT pg_sleep(30)\n");

    try (HostProcess host =
        HostProcess.start(dir, Map.of("DB_USER", "postgres"), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  count(url, "SELECT count(*) FROM sessions") == 3
                      && count(url, "SELECT count(*) FROM ticks") >= 3
                      && count(url, "SELECT count(*) FROM loopwork_run WHERE service = 'too-slow'")
                          >= 1);
      host.terminate();

      assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
      assertThat(host.stderr())
          .contains("every service has stopped")
          .doesNotContain("service expire-sessions")
          .doesNotContain("service tick,");
    }
    assertThat(
            count(
                url,
                "SELECT count(*) FROM loopwork_run WHERE service = 'too-slow' AND outcome = 'SUCCEEDED'"))
        .isZero();
    assertThat(count(url, "SELECT max(duration_us) FROM loopwork_run WHERE service = 'too-slow'"))
        .as("the timeout cut the 30 s statement short")
        .isLessThan(10_000_000);
    assertThat(count(url, "SELECT count(*) FROM sessions WHERE expires_at > now()")).isEqualTo(3);
    assertThat(count(url, "SELECT count(*) FROM loopwork_lease WHERE owner IS NOT NULL"))
        .as("leases released")
        .isZero();
    assertThat(count(url, "SELECT count(*) FROM loopwork_run WHERE service = 'expire-sessions'"))
        .isPositive();
  }

  @Test
  void runsSqlAndPluginServicesOnH2() throws Exception {
    String url = TestDatabases.h2File(dir);
    execute(
        url,
        "CREATE TABLE events (id INT PRIMARY KEY, created TIMESTAMP NOT NULL)",
        "INSERT INTO events SELECT x, DATEADD('DAY', -40, CURRENT_TIMESTAMP) FROM SYSTEM_RANGE(1, 25)",
        "INSERT INTO events SELECT x, CURRENT_TIMESTAMP FROM SYSTEM_RANGE(26, 30)",
        "CREATE TABLE greetings (message VARCHAR(100))");
    PluginJar.write(dir.resolve("plugins/greeting.jar"), GreetingService.class);
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n"
            + "admin:\n  enabled: false\n"
            + "services:\n"
            + "  purge-events:\n    interval: 500ms\n    repeat-while-rows: 10\n"
            + "    sql: DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created < DATEADD('DAY', -30, "
            + "CURRENT_TIMESTAMP) ORDER BY id LIMIT 10)\n"
            + "  greeter:\n    interval: 500ms\n    class: "
            + GreetingService.class.getName()
            + "\n"
            + "    settings:\n      message: hello ${env:WHO}\n"
            + "  disabled-one:\n    interval: 500ms\n    sql: DELETE FROM events\n");

    try (HostProcess host =
        HostProcess.start(
            dir,
            Map.of("WHO", "operator", "LOOPWORK_SERVICES_DISABLED_ONE_ENABLED", "false"),
            "run",
            "-c",
            "loopwork.yaml")) {
      host.awaitRunning();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  count(url, "SELECT count(*) FROM events") == 5
                      && count(
                              url,
                              "SELECT count(*) FROM greetings WHERE message = 'hello operator'")
                          >= 2);
      assertThat(host.stderr()).contains("[greeter#").contains("greeting hello operator");
      host.terminate();

      assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
    }
    assertThat(count(url, "SELECT min(id) FROM events"))
        .as("the disabled service deleted nothing")
        .isEqualTo(26);
  }
}
