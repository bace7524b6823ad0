package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.testsupport.RequiredServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: replicas that reach PostgreSQL through PgBouncer in transaction mode, where a session
 * lock is not tied to the client's connection. Each replica notices it at start, warns once and
 * falls back to fail-over by the lease TTL; a {@code kill -9} of the owner still hands its service
 * over, and nothing runs twice. PgBouncer must listen on {@code -Dloopwork.it.pgbouncer.url}
 * (default {@code jdbc:postgresql://127.0.0.1:6432/}) in front of the test server; {@code .ci/run}
 * installs and starts one.
 */
class PgBouncerIT extends ReplicaClusterTestBase {
  private static final String BOUNCER_URL =
      System.getProperty("loopwork.it.pgbouncer.url", "jdbc:postgresql://127.0.0.1:6432/");
  private static final String POOLER_WARNING = "cannot hold a database session lock";
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration TTL = Duration.ofSeconds(2);

  @BeforeEach
  void requirePgBouncer() {
    try (Connection ignored =
        DriverManager.getConnection(BOUNCER_URL + fresh.name, PostgresDatabases.USER, "")) {
      // reachable
    } catch (SQLException e) {
      RequiredServer.missing(
          "PgBouncer is not reachable at "
              + BOUNCER_URL
              + " ("
              + e.getMessage()
              + "). To run "
              + "this test, start PgBouncer in transaction mode on 127.0.0.1:6432 in front of the test PostgreSQL (as "
              + ".ci/run does), or point -Dloopwork.it.pgbouncer.url at one.",
          e);
    }
  }

  @Test
  void behindATransactionPoolerAReplicaWarnsOnceAndFailsOverByTheTtl() throws Exception {
    // Server-side prepared statements do not survive a transaction pooler that predates PgBouncer
    // 1.21.
    String url = BOUNCER_URL + fresh.name + "?prepareThreshold=0";
    ReplicaProcess a = replicaAt(url, "a", 1, INTERVAL, Duration.ZERO, TTL);
    ReplicaProcess b = replicaAt(url, "b", 1, INTERVAL, Duration.ZERO, TTL);
    awaitReady(a, b);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 4);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.printed(POOLER_WARNING) && b.printed(POOLER_WARNING));
    assertThat(
            cluster.query("SELECT replica_id FROM loopwork_replica WHERE session_lock IS NOT NULL"))
        .isEmpty();

    ReplicaProcess owner = cluster.holderOf("svc-00").equals("a") ? a : b;
    ReplicaProcess other = owner == a ? b : a;
    Instant killed = Instant.now();
    owner.kill();
    owner.awaitExit(Duration.ofSeconds(10));
    OffsetDateTime first =
        cluster.awaitFirstRunElsewhere(
            owner.replicaId, killed.atOffset(ZoneOffset.UTC), Duration.ofSeconds(20));

    Duration failOver = Duration.between(killed, first.toInstant());
    System.out.println("Fail-over after kill -9 behind PgBouncer: " + failOver.toMillis() + " ms");
    assertThat(failOver).isLessThanOrEqualTo(TTL.plus(INTERVAL).plusMillis(500));
    assertThat(other.linesContaining(POOLER_WARNING)).isEqualTo(1);
    assertThat(cluster.overlappingIterations()).isZero();
  }
}
