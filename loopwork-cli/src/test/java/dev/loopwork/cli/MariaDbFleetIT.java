package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static dev.loopwork.cli.TestDatabases.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: two replicas of the host, separate processes, on MariaDB with the driver that the host
 * ships. One exclusive sql service runs on one replica at a time, its iterations never overlap, and
 * SIGTERM of its owner hands it to the other replica at once: the owner releases the lease and
 * exits with 0, and the other runs the service within seconds (its lease's TTL is 10 s).
 */
class MariaDbFleetIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Far below the lease's TTL (10 s), above an interval, a poll and a loaded machine's delays. */
  private static final Duration HAND_OVER = Duration.ofSeconds(5);

  private static final String SERVICE = "exclusive-job";

  @TempDir Path dir;

  @Test
  void oneReplicaAtATimeAndAHandOverOnSigterm() throws Exception {
    String url = TestDatabases.freshMariaDb();
    execute(
        url,
        "CREATE TABLE iterations (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
            + " started_at TIMESTAMP(6) NOT NULL, ended_at TIMESTAMP(6) NULL)");
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: "
            + TestDatabases.MARIADB_USER
            + "\nreplica: ${env:REPLICA}\nadmin:\n  enabled: false\nservices:\n  "
            + SERVICE
            + ":\n    interval: 300ms\n    sql:\n"
            + "      - INSERT INTO iterations (started_at) VALUES (NOW(6))\n"
            + "      - DO SLEEP(0.2)\n"
            + "      - UPDATE iterations SET ended_at = NOW(6) WHERE id = LAST_INSERT_ID()\n");

    try (HostProcess one = replica("replica-1");
        HostProcess two = replica("replica-2")) {
      one.awaitRunning();
      two.awaitRunning();
      await().atMost(WAIT).until(() -> count(url, "SELECT count(*) FROM iterations") >= 5);
      String owner =
          strings(url, "SELECT owner FROM loopwork_lease WHERE service = '" + SERVICE + "'").get(0);
      HostProcess owning = owner.equals("replica-1") ? one : two;
      HostProcess standby = owning == one ? two : one;
      String other = owning == one ? "replica-2" : "replica-1";

      owning.terminate();
      assertThat(owning.awaitExit(WAIT)).as(owning.stderr()).isZero();
      assertThat(owning.stderr()).contains("released the lease of " + SERVICE);
      long stopped = System.nanoTime();
      await().atMost(WAIT).until(() -> lastRunner(url).equals(other));
      Duration handOver = Duration.ofNanos(System.nanoTime() - stopped);
      long runsBefore = count(url, "SELECT count(*) FROM iterations");
      await()
          .atMost(WAIT)
          .until(() -> count(url, "SELECT count(*) FROM iterations") >= runsBefore + 3);
      standby.terminate();
      assertThat(standby.awaitExit(WAIT)).as(standby.stderr()).isZero();

      assertThat(handOver).as("hand-over on SIGTERM, not by the lease's TTL").isLessThan(HAND_OVER);
      assertThat(standby.stderr()).contains("holds the lease of " + SERVICE);
    }
    assertNoOverlap(url);
    assertThat(count(url, "SELECT count(*) FROM iterations"))
        .as("every committed iteration is journaled as a success")
        .isEqualTo(
            count(
                url,
                "SELECT count(*) FROM loopwork_run WHERE service = '"
                    + SERVICE
                    + "' AND outcome = 'SUCCEEDED'"));
  }

  private HostProcess replica(String name) {
    return HostProcess.start(dir, Map.of("REPLICA", name), "run", "-c", "loopwork.yaml");
  }

  /** The replica that ran the service's latest journaled iteration. */
  private static String lastRunner(String url) throws Exception {
    List<String> last =
        strings(
            url,
            "SELECT replica_id FROM loopwork_run WHERE service = '"
                + SERVICE
                + "' ORDER BY started_at DESC, id DESC LIMIT 1");
    return last.isEmpty() ? "" : last.get(0);
  }

  /** Every committed iteration started after the one before it had ended. */
  private static void assertNoOverlap(String url) throws Exception {
    try (Connection c = TestDatabases.connect(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT started_at, ended_at FROM iterations ORDER BY started_at, id")) {
      Timestamp previousEnd = null;
      int rows = 0;
      while (rs.next()) {
        Timestamp started = rs.getTimestamp(1);
        Timestamp ended = rs.getTimestamp(2);
        assertThat(ended).as("committed iterations have ended").isNotNull();
        if (previousEnd != null) {
          assertThat(started)
              .as("iteration %d starts after the one before ended", rows)
              .isAfterOrEqualTo(previousEnd);
        }
        previousEnd = ended;
        rows++;
      }
      assertThat(rows).isGreaterThanOrEqualTo(8);
    }
  }
}
