package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static dev.loopwork.cli.TestDatabases.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.jdbc.LeaseCoordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, as a new user meets it: three {@code loopwork run} replicas at default settings on
 * PostgreSQL, one sql service every 500 ms whose transaction inserts a row and sleeps 0.3 s. The
 * owner is frozen (SIGSTOP) while its transaction is in flight, for the TTL plus 5 s, then thawed:
 * its transaction never commits (the host's sql services run fenced), it logs "lease lost" and goes
 * on; twice in a row. Before the fence, the same scenario committed the frozen transaction 10 to 12
 * s after another replica took over.
 */
class HostFreezeIT {
  private static final Duration FREEZE = LeaseCoordinator.DEFAULT_LEASE_TTL.plusSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aFrozenHostsSqlTransactionNeverCommitsAfterItLostTheLease() throws Exception {
    String url = TestDatabases.freshPostgres();
    execute(
        url,
        "CREATE TABLE fence_row (id SERIAL PRIMARY KEY, replica TEXT NOT NULL, started TIMESTAMPTZ NOT "
            + "NULL, ended TIMESTAMPTZ)");
    // Each replica's sessions carry its name, so that pg_stat_activity shows whose transaction is
    // in flight.
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + (url.contains("?") ? "&" : "?")
            + "ApplicationName=${env:REPLICA}\n  user: postgres\n"
            + "replica: ${env:REPLICA}\nadmin:\n  enabled: false\nservices:\n  writer:\n    interval: 500ms\n"
            + "    sql:\n      - INSERT INTO fence_row (replica, started) VALUES ('${env:REPLICA}', clock_timestamp())\n"
            + "      - SELECT pg_sleep(0.3)\n"
            + "      - UPDATE fence_row SET ended = clock_timestamp() WHERE id = currval('fence_row_id_seq')\n");
    Map<String, HostProcess> hosts = new HashMap<>();
    try {
      for (String id : List.of("h1", "h2", "h3")) {
        hosts.put(id, HostProcess.start(dir, Map.of("REPLICA", id), "run", "-c", "loopwork.yaml"));
      }
      hosts.values().forEach(HostProcess::awaitRunning);
      Map<String, Integer> lost = new HashMap<>();
      for (int trial = 1; trial <= 2; trial++) {
        String owner = freezeInFlight(url, hosts);
        HostProcess frozen = hosts.get(owner);
        long frozenAt = System.nanoTime();
        long rowsBefore;
        try {
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      count(
                              url,
                              "SELECT COUNT(*) FROM fence_row WHERE replica <> '"
                                  + owner
                                  + "' AND started > (SELECT COALESCE(MAX(started), '-infinity') FROM fence_row WHERE replica = '"
                                  + owner
                                  + "')")
                          > 0);
          rowsBefore = rowsOf(url, owner);
          long left = FREEZE.toNanos() - (System.nanoTime() - frozenAt);
          if (left > 0) {
            Thread.sleep(left / 1_000_000); // the fault itself: the owner stays frozen this long
          }
        } finally {
          frozen.thaw();
        }
        int expected = lost.merge(owner, 1, Integer::sum);
        await().atMost(WAIT).until(() -> occurrences(frozen.stderr(), "lease lost") >= expected);
        assertThat(rowsOf(url, owner))
            .as("trial %d: rows of the frozen %s committed after it lost the lease", trial, owner)
            .isEqualTo(rowsBefore);
        assertThat(frozen.isAlive()).isTrue();
      }
      assertThat(
              count(
                  url,
                  "SELECT COUNT(*) FROM fence_row a JOIN fence_row b ON a.id < b.id AND a.replica <> "
                      + "b.replica AND a.started < b.ended AND b.started < a.ended"))
          .as("overlapping iterations")
          .isZero();
    } finally {
      hosts.values().forEach(HostProcess::close);
    }
  }

  /**
   * Freezes the owner of the writer's lease while its transaction is open and returns its name. The
   * transaction may commit between the read that finds it and the signal (the signal takes a
   * process of its own): then the owner is thawed at once and the next transaction is waited for.
   */
  private static String freezeInFlight(String url, Map<String, HostProcess> hosts)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      // One read: the transaction in flight may end between two.
      String owner = await().atMost(WAIT).until(() -> inFlightOwner(url), Objects::nonNull);
      HostProcess host = hosts.get(owner);
      host.freeze();
      if (transactionOpen(url, owner)) {
        return owner;
      }
      host.thaw();
    }
    throw new AssertionError("no writer transaction was caught open within " + WAIT);
  }

  /** Whether the writer transaction of {@code replica} is open (it has written and not ended). */
  private static boolean transactionOpen(String url, String replica) throws Exception {
    return count(
            url,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '"
                + replica
                + "' AND backend_xid IS NOT NULL AND (query LIKE 'SELECT pg_sleep%' OR query "
                + "LIKE 'UPDATE fence_row%')")
        > 0;
  }

  /** The owner of the writer's lease while its transaction sleeps, or null. */
  private static String inFlightOwner(String url) throws Exception {
    List<String> owners =
        strings(
            url,
            "SELECT l.owner FROM loopwork_lease l JOIN pg_stat_activity a ON "
                + "a.application_name = l.owner WHERE l.service = 'writer' AND a.state = 'active' "
                + "AND a.query LIKE 'SELECT pg_sleep%'");
    return owners.isEmpty() ? null : owners.get(0);
  }

  private static long rowsOf(String url, String replica) throws Exception {
    return count(url, "SELECT COUNT(*) FROM fence_row WHERE replica = '" + replica + "'");
  }

  private static int occurrences(String text, String part) {
    int found = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      found++;
    }
    return found;
  }
}
