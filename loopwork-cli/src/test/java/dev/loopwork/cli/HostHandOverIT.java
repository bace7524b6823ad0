package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static dev.loopwork.cli.TestDatabases.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, as an operator meets it: three {@code loopwork run} replicas at default settings (lease
 * TTL 10 s) on PostgreSQL, one sql service every 500 ms whose transaction takes 0.1 s. Its owner is
 * killed ({@code kill -9}) or sent SIGTERM, three times each, alternately, and a new replica is
 * started in its place at once (and is running before the next signal, so that three replicas run
 * at every signal): each time the next iteration on another replica begins within a second of the
 * signal, and no two iterations ever overlap.
 */
class HostHandOverIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long HAND_OVER_MILLIS = 1_000;
  private static final int SIGNALS = 6;

  @TempDir Path dir;

  @Test
  void aKilledOrStoppedOwnersServiceRunsElsewhereWithinASecond() throws Exception {
    String url = TestDatabases.freshPostgres();
    execute(
        url,
        "CREATE TABLE beat (id SERIAL PRIMARY KEY, replica TEXT NOT NULL, started TIMESTAMPTZ NOT "
            + "NULL, ended TIMESTAMPTZ)");
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: postgres\n"
            + "replica: ${env:REPLICA}\nadmin:\n  enabled: false\nservices:\n  beat:\n    interval: 500ms\n"
            + "    sql:\n      - INSERT INTO beat (replica, started) VALUES ('${env:REPLICA}', clock_timestamp())\n"
            + "      - SELECT pg_sleep(0.1)\n"
            + "      - UPDATE beat SET ended = clock_timestamp() WHERE id = currval('beat_id_seq')\n");
    Map<String, HostProcess> hosts = new LinkedHashMap<>();
    List<String> handOvers = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        start(hosts, "h" + i);
      }
      long since = 0;
      for (int signal = 0; signal < SIGNALS; signal++) {
        boolean kill = signal % 2 == 0;
        // Three replicas run at every signal: the one started in place of the last owner too.
        hosts.values().forEach(HostProcess::awaitRunning);
        String owner = awaitNextOwner(url, since);
        HostProcess runner = hosts.remove(owner);
        long signalled = dbMillis(url);
        if (kill) {
          runner.kill();
        } else {
          runner.terminate();
        }
        start(hosts, "h" + (4 + signal));
        long next =
            await()
                .atMost(WAIT)
                .until(() -> firstStartElsewhere(url, owner, signalled), started -> started > 0);
        long handOver = next - signalled;
        handOvers.add((kill ? "kill -9 " : "SIGTERM ") + handOver + " ms");
        assertThat(handOver)
            .as(
                "%s of the owner %s: the next iteration elsewhere",
                kill ? "kill -9" : "SIGTERM", owner)
            .isLessThan(HAND_OVER_MILLIS);
        if (!kill) {
          assertThat(runner.awaitExit(WAIT)).as("exit code of the stopped %s", owner).isZero();
        }
        runner.close();
        since = next;
      }
      System.out.println("Hand-overs of a 500 ms sql service among three hosts: " + handOvers);
      assertThat(
              count(
                  url,
                  "SELECT COUNT(*) FROM beat a JOIN beat b ON a.id < b.id AND a.replica <> b.replica"
                      + " AND a.started < b.ended AND b.started < a.ended"))
          .as("overlapping iterations")
          .isZero();
    } finally {
      hosts.values().forEach(HostProcess::close);
    }
  }

  private void start(Map<String, HostProcess> hosts, String replica) {
    hosts.put(
        replica, HostProcess.start(dir, Map.of("REPLICA", replica), "run", "-c", "loopwork.yaml"));
  }

  /**
   * The replica whose iteration began after {@code sinceMillis} (the database's clock) most
   * recently, read as soon as that iteration has committed: the owner to signal, at a phase of its
   * interval that varies from one signal to the next.
   */
  private static String awaitNextOwner(String url, long sinceMillis) {
    return await()
        .atMost(WAIT)
        .until(
            () -> {
              List<String> owners =
                  strings(
                      url,
                      "SELECT replica FROM beat WHERE started > to_timestamp("
                          + sinceMillis
                          + " / 1000.0) ORDER BY started DESC LIMIT 1");
              return owners.isEmpty() ? null : owners.get(0);
            },
            owner -> owner != null);
  }

  /** The database's clock, in epoch milliseconds. */
  private static long dbMillis(String url) throws Exception {
    return count(url, "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)");
  }

  /**
   * The start (epoch milliseconds) of the first iteration on another replica than {@code owner}
   * after {@code sinceMillis}, or 0 while there is none.
   */
  private static long firstStartElsewhere(String url, String owner, long sinceMillis)
      throws Exception {
    return count(
        url,
        "SELECT COALESCE(CAST(EXTRACT(EPOCH FROM MIN(started)) * 1000 AS BIGINT), 0) FROM beat"
            + " WHERE replica <> '"
            + owner
            + "' AND started > to_timestamp("
            + sinceMillis
            + " / 1000.0)");
  }
}
