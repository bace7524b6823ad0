package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a replica's liveness follows its PostgreSQL session. Replicas are separate JVMs ({@link ReplicaMain})
 * at the default lease TTL (10 s); faults are real: {@code kill -9}, and {@code pg_terminate_backend} of a live
 * owner's sessions.
 */
class SessionLivenessIT extends ReplicaClusterTestBase {
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration TTL = LeaseCoordinator.DEFAULT_LEASE_TTL;
  private static final Duration POLL = LeaseCoordinator.DEFAULT_POLL_INTERVAL;
  private static final String SESSION_LOST = "lost its database session";

  @Test
  void killDashNineFailsOverWithinTwoPollsAndOneIntervalTenTimesInARow() throws Exception {
    List<ReplicaProcess> live = new ArrayList<>(List.of(replica("k0", 1, INTERVAL, Duration.ZERO, TTL),
        replica("k1", 1, INTERVAL, Duration.ZERO, TTL)));
    awaitReady(live.toArray(ReplicaProcess[]::new));
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 4);
    Duration bound = POLL.multipliedBy(2).plus(INTERVAL).plusMillis(300);
    List<Long> failOvers = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      awaitSessionLock(live); // every replica is past its start-up, as in production
      // Killed just after it starts an iteration, which it has not recorded in the database yet: the hardest case
      // for keeping the schedule. (The owner is the replica that starts one: leases also move for the balance.)
      List<Long> starts = live.stream().map(r -> r.linesContaining("START svc-00 ")).toList();
      int[] runner = new int[1];
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2)).until(() -> {
        for (int i = 0; i < live.size(); i++) {
          if (live.get(i).linesContaining("START svc-00 ") > starts.get(i)) {
            runner[0] = i;
            return true;
          }
        }
        return false;
      });
      ReplicaProcess owner = live.get(runner[0]);
      Instant killed = Instant.now();
      owner.kill();
      owner.awaitExit(Duration.ofSeconds(10));
      live.remove(owner);
      OffsetDateTime first = cluster.awaitFirstRunElsewhere(owner.replicaId, killed.atOffset(ZoneOffset.UTC),
          Duration.ofSeconds(15));
      Duration failOver = Duration.between(killed, first.toInstant());
      failOvers.add(failOver.toMillis());
      assertThat(failOver).as("round %d: fail-over after kill -9", round).isLessThanOrEqualTo(bound);
      // The dead owner may have run iterations it had not recorded yet: the next one still keeps the schedule.
      long sinceOwnersLast = micros(first.toInstant()) - owner.lastStartMicros("svc-00");
      assertThat(sinceOwnersLast).as("round %d: next start after the dead owner's last one (us)", round)
          .isGreaterThanOrEqualTo(INTERVAL.toNanos() / 2_000);

      ReplicaProcess replacement = replica("k" + (round + 2), 1, INTERVAL, Duration.ZERO, TTL);
      awaitReady(replacement);
      live.add(replacement);
    }
    System.out.println("Fail-over after kill -9 at the default TTL (ms): " + failOvers);
    assertThat(cluster.overlappingIterations()).isZero();
  }

  @Test
  void terminatingTheSessionLockOfALiveOwnerRevokesItsIterationAndNobodyOverlaps() throws Exception {
    ownerLosesSessionsInALongIteration("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
        + "AND objid::text = (SELECT session_lock FROM loopwork_replica WHERE replica_id = '%s')");
  }

  @Test
  void terminatingEverySessionOfALiveOwnerRevokesItsIterationAndNobodyOverlaps() throws Exception {
    ownerLosesSessionsInALongIteration("SELECT pid FROM pg_stat_activity WHERE application_name = 'replica-%s'");
  }

  /**
   * Two replicas, one service whose iterations take 2 s (and end early when interrupted); while the owner is inside
   * one, the server sessions that {@code sessionsOfOwner} finds are terminated. No other replica may start the
   * service before that iteration has ended, and the owner takes its session lock again and competes again.
   */
  private void ownerLosesSessionsInALongIteration(String sessionsOfOwner) throws Exception {
    Duration work = Duration.ofSeconds(2);
    ReplicaProcess a = replica("a", 1, INTERVAL, work, TTL);
    ReplicaProcess b = replica("b", 1, INTERVAL, work, TTL);
    awaitReady(a, b);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 1);
    awaitSessionLock(List.of(a, b));
    ReplicaProcess owner = cluster.holderOf("svc-00").equals("a") ? a : b;
    Thread.sleep(500); // inside its next 2 s iteration, which started when the previous one ended

    int terminated = terminate(String.format(sessionsOfOwner, owner.replicaId));
    assertThat(terminated).isPositive();
    await().atMost(Duration.ofSeconds(5)).until(() -> owner.printed(SESSION_LOST));
    awaitSessionLock(List.of(owner)); // the owner is back and competes again
    int runs = cluster.journalCount();
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.journalCount() >= runs + 3);

    assertThat(owner.isAlive()).isTrue();
    // The iteration under way was interrupted at the loss, well before its 2 s were up (the very first iteration
    // of a replica may be short: it is not counted).
    assertThat(Integer.parseInt(cluster.query("SELECT COUNT(*) FROM loopwork_run WHERE replica_id = '"
        + owner.replicaId + "' AND duration_us < 1500000 AND started_at > (SELECT MIN(started_at) FROM "
        + "loopwork_run)").get(0))).isPositive();
    assertThat(cluster.overlappingIterations()).isZero();
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
  }

  /** Waits until each replica's row names a session lock that a live session holds. */
  private void awaitSessionLock(List<ReplicaProcess> replicas) {
    for (ReplicaProcess replica : replicas) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !cluster.query("SELECT r.replica_id FROM loopwork_replica r "
          + "JOIN pg_locks k ON k.locktype = 'advisory' AND k.objsubid = 2 AND k.objid::text = r.session_lock "
          + "WHERE r.replica_id = '" + replica.replicaId + "'").isEmpty());
    }
  }

  private int terminate(String sessions) throws SQLException {
    try (Connection c = database.connection(); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM (" + sessions + ") AS doomed")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
