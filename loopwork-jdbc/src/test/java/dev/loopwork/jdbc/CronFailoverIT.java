package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a 6-field every-2-seconds cron service ({@link CronReplicaMain}) run by three replica
 * JVMs on one PostgreSQL database for about 30 seconds, with a {@code kill -9} of its owner just
 * before a fire (another replica must run that fire) and a SIGTERM of the next owner just after a
 * fire began (the replica taking over must not run it again): every even second of the window fires
 * exactly once, less than two seconds late, and none twice.
 */
class CronFailoverIT extends ReplicaClusterTestBase {
  private static final Duration TTL = Duration.ofSeconds(2);

  /** How long before a fire the owner is killed: the next owner must run that fire. */
  private static final Duration BEFORE_FIRE = Duration.ofMillis(-300);

  /** How long after a fire the owner is stopped: it ran that fire, the next owner must not. */
  private static final Duration AFTER_FIRE = Duration.ofMillis(100);

  @Test
  void everyEvenSecondFiresExactlyOnceThroughAKillAndASigterm() throws Exception {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      for (String table : List.of("cron_start", "cron_fire")) {
        String key = table.equals("cron_fire") ? " PRIMARY KEY" : "";
        s.execute(
            "CREATE TABLE "
                + table
                + " (fire_s BIGINT NOT NULL"
                + key
                + ", replica VARCHAR(20) NOT NULL, started_ms BIGINT NOT NULL)");
      }
    }
    List<ReplicaProcess> replicas =
        List.of(cronReplica("r1", TTL), cronReplica("r2", TTL), cronReplica("r3", TTL));
    awaitReady(replicas.toArray(ReplicaProcess[]::new));
    await().atMost(Duration.ofSeconds(30)).until(() -> starts() >= 2);
    long windowStart =
        Long.parseLong(cluster.query("SELECT MAX(fire_s) FROM cron_start").get(0)) + 2;
    Instant end = Instant.ofEpochSecond(windowStart + 30);

    ReplicaProcess killed = owner(replicas);
    long killedBefore = awaitFireOffset(windowStart + 6, BEFORE_FIRE);
    killed.kill();
    long firstAfterKill = awaitFireByOtherThan(killed, killedBefore);

    ReplicaProcess stopped = owner(replicas);
    long stoppedAfter = awaitFireOffset(killedBefore + 8, AFTER_FIRE);
    stopped.terminate();
    assertThat(stopped.awaitExit(Duration.ofSeconds(20))).isZero();
    long firstAfterStop = awaitFireByOtherThan(stopped, stoppedAfter);

    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Instant.now().isAfter(end));
    long windowEnd = Math.floorDiv(Instant.now().getEpochSecond(), 2) * 2 - 2;
    for (ReplicaProcess replica : replicas) {
      if (replica.isAlive()) {
        replica.terminate();
        assertThat(replica.awaitExit(Duration.ofSeconds(20))).isZero();
      }
    }

    System.out.printf(
        "kill -9 %s before %d, SIGTERM %s after %d: %s; the latest start of the others: %s%n",
        killed.replicaId,
        killedBefore,
        stopped.replicaId,
        stoppedAfter,
        cluster.query(
            "SELECT fire_s || ' ' || replica || ' +' || (started_ms - fire_s * 1000) || ' ms'"
                + " FROM cron_start WHERE fire_s IN ("
                + killedBefore
                + ", "
                + stoppedAfter
                + ", "
                + firstAfterStop
                + ") ORDER BY fire_s"),
        cluster.query(
            "SELECT MAX(started_ms - fire_s * 1000) || ' ms' FROM cron_start WHERE fire_s NOT IN ("
                + killedBefore
                + ", "
                + firstAfterStop
                + ")"));
    assertThat(firstAfterKill).as("the fire after the kill, on another").isEqualTo(killedBefore);
    assertThat(cluster.query("SELECT replica FROM cron_start WHERE fire_s = " + stoppedAfter))
        .as("the fire that began before the SIGTERM")
        .containsExactly(stopped.replicaId);
    assertThat(firstAfterStop).as("the next fire, on another").isEqualTo(stoppedAfter + 2);
    List<Long> fired =
        cluster
            .query(
                "SELECT fire_s FROM cron_start WHERE fire_s BETWEEN "
                    + windowStart
                    + " AND "
                    + windowEnd
                    + " ORDER BY fire_s")
            .stream()
            .map(Long::valueOf)
            .toList();
    assertThat(fired)
        .as("each even second from %d to %d, once", windowStart, windowEnd)
        .containsExactlyElementsOf(
            LongStream.rangeClosed(windowStart / 2, windowEnd / 2)
                .map(s -> s * 2)
                .boxed()
                .toList());
    assertThat(cluster.query("SELECT COUNT(*) - COUNT(DISTINCT fire_s) FROM cron_start"))
        .as("fires run twice")
        .containsExactly("0");
    assertThat(replicas).noneMatch(r -> r.printed("DOUBLE"));
    assertThat(cluster.query("SELECT COUNT(DISTINCT replica) FROM cron_start"))
        .containsExactly("3");
  }

  private int starts() throws Exception {
    return Integer.parseInt(cluster.query("SELECT COUNT(*) FROM cron_start").get(0));
  }

  /** The replica that ran the latest fire. */
  private ReplicaProcess owner(List<ReplicaProcess> replicas) throws Exception {
    String id =
        cluster
            .query("SELECT replica FROM cron_start ORDER BY fire_s DESC, started_ms DESC")
            .get(0);
    return replicas.stream().filter(r -> r.replicaId.equals(id)).findFirst().orElseThrow();
  }

  /**
   * Waits until {@code offset} from the first even second at or after {@code notBefore} (epoch
   * seconds) that is still ahead, and returns that second.
   */
  private static long awaitFireOffset(long notBefore, Duration offset) {
    long now = Instant.now().getEpochSecond();
    long fire = Math.max(notBefore, Math.floorDiv(now, 2) * 2 + 2);
    Instant moment = Instant.ofEpochSecond(fire).plus(offset);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> !Instant.now().isBefore(moment));
    return fire;
  }

  /**
   * Waits for the first fire at or after {@code fire} that a replica other than {@code gone} ran.
   */
  private long awaitFireByOtherThan(ReplicaProcess gone, long fire) {
    String first =
        "SELECT MIN(fire_s) FROM cron_start WHERE fire_s >= "
            + fire
            + " AND replica <> '"
            + gone.replicaId
            + "'";
    return Long.parseLong(
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> cluster.query(first).get(0), v -> v != null));
  }
}
