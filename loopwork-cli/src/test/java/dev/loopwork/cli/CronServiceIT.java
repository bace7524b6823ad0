package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static dev.loopwork.cli.TestDatabases.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the host end to end with a {@code cron:} service, a real {@code loopwork} process on
 * PostgreSQL running a 6-field every-second sql service. {@code check} prints its next three fires
 * in its zone and in UTC; each iteration starts just after a whole second of the wall clock, and
 * each fire runs once; {@code services ls} and {@code GET /api/services} show the expression, the
 * zone and the next fire.
 */
class CronServiceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Fires measured before the commands that read the status start their JVMs beside the host. */
  private static final int FIRES = 10;

  /**
   * How late after its whole second an iteration may start here: generous, for a shared build
   * machine. The issue expects 50 ms on an idle one; the test prints what it saw.
   */
  private static final Duration START_BOUND = Duration.ofMillis(500);

  private static final String NEXT_FIRE_LINE =
      "(?m)^      next fire \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+05:30 Asia/Kolkata = "
          + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$";

  @TempDir Path dir;

  @Test
  void anEverySecondCronServiceStartsEachIterationAtItsWholeSecondOnce() throws Exception {
    String url = TestDatabases.freshPostgres();
    execute(url, "CREATE TABLE fires (at TIMESTAMP WITH TIME ZONE NOT NULL)");
    int port = HostProcess.freePort();
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: postgres\nadmin:\n  port: "
            + port
            + "\nservices:\n  every-second:\n    cron: \"* * * * * *\"\n    zone: Asia/Kolkata\n"
            + "    sql: INSERT INTO fires (at) VALUES (clock_timestamp())\n");

    HostProcess.Result check = HostProcess.run(dir, Map.of(), "check", "-c", "loopwork.yaml");

    assertThat(check.exitCode()).as(check.stderr()).isZero();
    assertThat(check.stdout())
        .contains("every-second             enabled  cron * * * * * * (Asia/Kolkata) exclusive")
        .contains("      zone Asia/Kolkata, misfire grace 1s (one period of the expression)");
    assertThat(Pattern.compile(NEXT_FIRE_LINE).matcher(check.stdout()).results().count())
        .as(check.stdout())
        .isEqualTo(3);

    Instant measuredUntil;
    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await().atMost(WAIT).until(() -> count(url, "SELECT count(*) FROM fires") >= FIRES);
      measuredUntil = Instant.now();

      assertShownWithItsNextFire(port);
      HostProcess.Result ls =
          HostProcess.run(dir, Map.of(), "services", "ls", "-c", "loopwork.yaml");
      assertThat(ls.stdout())
          .as(ls.stderr())
          .contains("SCHEDULE")
          .contains("cron * * * * * * (Asia/Kolkata)");

      host.terminate();
      assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
    }
    List<Instant> starts =
        strings(
                url,
                "SELECT (EXTRACT(EPOCH FROM started_at) * 1000000)::bigint FROM loopwork_run "
                    + "WHERE service = 'every-second' ORDER BY started_at")
            .stream()
            .map(micros -> Instant.EPOCH.plus(Long.parseLong(micros), ChronoUnit.MICROS))
            .toList();
    assertThat(starts).hasSizeGreaterThanOrEqualTo(FIRES);
    List<Instant> fires = starts.stream().map(s -> s.truncatedTo(ChronoUnit.SECONDS)).toList();
    assertThat(fires).as("each fire ran once").doesNotHaveDuplicates();
    assertThat(Duration.between(fires.get(0), fires.get(fires.size() - 1)).toSeconds() + 1)
        .as("no fire skipped between the first and the last: %s", fires)
        .isEqualTo(fires.size());
    List<Long> lateMicros =
        starts.stream()
            .filter(s -> s.isBefore(measuredUntil))
            .map(s -> ChronoUnit.MICROS.between(s.truncatedTo(ChronoUnit.SECONDS), s))
            .sorted()
            .toList();
    System.out.printf(
        "CronServiceIT: %d iterations started after their whole second by p50 %.1f ms, max %.1f ms"
            + " (all: %s us)%n",
        lateMicros.size(),
        lateMicros.get(lateMicros.size() / 2) / 1000.0,
        lateMicros.get(lateMicros.size() - 1) / 1000.0,
        lateMicros);
    assertThat(lateMicros).allMatch(late -> late < START_BOUND.toNanos() / 1000);
  }

  /** The admin API lists the service with its expression, zone and next fire, a whole second. */
  private static void assertShownWithItsNextFire(int port) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/services"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode row =
        StreamSupport.stream(new ObjectMapper().readTree(response.body()).spliterator(), false)
            .filter(r -> r.get("name").asText().equals("every-second"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(response.body()));
    assertThat(row.get("cron").asText()).isEqualTo("* * * * * *");
    assertThat(row.get("zone").asText()).isEqualTo("Asia/Kolkata");
    assertThat(row.get("schedule").asText()).isEqualTo("cron * * * * * * (Asia/Kolkata)");
    assertThat(row.get("interval").isNull()).isTrue();
    Instant nextRun = Instant.parse(row.get("nextRun").asText());
    assertThat(nextRun.getNano()).as("a fire is a whole second: %s", nextRun).isZero();
    assertThat(nextRun).isBetween(Instant.now().minusSeconds(3), Instant.now().plusSeconds(3));
  }
}
