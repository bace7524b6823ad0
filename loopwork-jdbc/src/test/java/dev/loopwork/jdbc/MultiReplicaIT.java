package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Several replicas as separate JVM processes ({@link ReplicaMain}) on one PostgreSQL database; what
 * they did is read back from Loopwork's own tables, chiefly the run journal.
 */
class MultiReplicaIT extends ReplicaClusterTestBase {
  private static final String OUTAGE_WARNING =
      "skip their iterations until the database answers again";

  @Test
  void noTwoReplicasRunOneServiceAtOnceOverThousandsOfIterations() throws Exception {
    Duration ttl = Duration.ofSeconds(2);
    ReplicaProcess r1 = replica("r1", 12, Duration.ofMillis(10), Duration.ofMillis(1), ttl);
    ReplicaProcess r2 = replica("r2", 12, Duration.ofMillis(10), Duration.ofMillis(1), ttl);
    awaitReady(r1, r2);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.journalCount() >= 1_000);
    ReplicaProcess r3 = replica("r3", 12, Duration.ofMillis(10), Duration.ofMillis(1), ttl);
    awaitReady(r3);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.journalCount() >= 2_500);
    r1.terminate();
    assertThat(r1.awaitExit(Duration.ofSeconds(20))).isZero();
    int afterHandOver = cluster.journalCount();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> cluster.journalCount() >= afterHandOver + 1_000);
    r2.terminate();
    r3.terminate();
    assertThat(r2.awaitExit(Duration.ofSeconds(20))).isZero();
    assertThat(r3.awaitExit(Duration.ofSeconds(20))).isZero();

    assertThat(cluster.journalCount()).isGreaterThanOrEqualTo(3_500);
    assertThat(cluster.overlappingIterations()).isZero();
    assertThat(cluster.query("SELECT DISTINCT replica_id FROM loopwork_run ORDER BY replica_id"))
        .containsExactly("r1", "r2", "r3");
  }

  @Test
  void sigtermHandsOverWellUnderASecondAndKeepsTheSchedule() throws Exception {
    Duration interval = Duration.ofMillis(100);
    ReplicaProcess a = replica("a", 1, interval, Duration.ZERO, Duration.ofSeconds(10));
    ReplicaProcess b = replica("b", 1, interval, Duration.ZERO, Duration.ofSeconds(10));
    awaitReady(a, b);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 5);
    ReplicaProcess owner = cluster.holderOf("svc-00").equals("a") ? a : b;
    ReplicaProcess other = owner == a ? b : a;

    Instant signalled = Instant.now();
    owner.terminate();
    assertThat(owner.awaitExit(Duration.ofSeconds(20))).isZero();
    OffsetDateTime first =
        cluster.awaitFirstRun(other.replicaId, signalled, Duration.ofSeconds(10));

    Duration handOver = Duration.between(signalled, first.toInstant());
    System.out.println("Hand-over after SIGTERM: " + handOver.toMillis() + " ms");
    assertThat(handOver).isLessThan(Duration.ofMillis(900));
    OffsetDateTime lastOnOwner = cluster.lastRun(owner.replicaId);
    assertThat(Duration.between(lastOnOwner, first))
        .isGreaterThanOrEqualTo(interval.minusMillis(5));
    assertThat(cluster.overlappingIterations()).isZero();
    List<Long> tokens = cluster.fencingTokensInStartOrder("svc-00");
    assertThat(tokens).isSorted();
    assertThat(tokens.get(tokens.size() - 1))
        .isGreaterThan(cluster.fencingTokenAt(owner.replicaId, lastOnOwner));
  }

  /**
   * Issue 12: with three replicas and more services than replicas, SIGTERM of the owner hands its
   * service over at the service's next slot, ten times in a row: the release is announced and taken
   * at once, whatever the takers' shares, and the new owner keeps the schedule.
   */
  @Test
  void sigtermHandsOverAtTheNextSlotTenTimesInARowWithThreeReplicas() throws Exception {
    Duration interval = Duration.ofMillis(500);
    Duration ttl = LeaseCoordinator.DEFAULT_LEASE_TTL;
    List<ReplicaProcess> live = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      live.add(replica("r" + i, 4, interval, Duration.ZERO, ttl));
    }
    awaitReady(live.toArray(ReplicaProcess[]::new));
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 10);
    List<Long> lateness = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      String holder = cluster.holderOf("svc-00");
      ReplicaProcess owner =
          live.stream().filter(r -> r.replicaId.equals(holder)).findFirst().orElseThrow();
      owner.terminate();
      assertThat(owner.awaitExit(Duration.ofSeconds(20))).isZero();
      live.remove(owner);
      OffsetDateTime lastOnOwner = cluster.lastRun(owner.replicaId);
      OffsetDateTime first =
          cluster.awaitFirstRunElsewhere(owner.replicaId, lastOnOwner, Duration.ofSeconds(10));
      OffsetDateTime nextSlot = cluster.lastSlot(owner.replicaId, interval).plus(interval);
      long late = Duration.between(nextSlot, first).toMillis();
      lateness.add(late);
      assertThat(late)
          .as("round %d: next start after the owner's next slot (ms)", round)
          .isBetween(-20L, 250L);

      ReplicaProcess replacement = replica("r" + (round + 3), 4, interval, Duration.ZERO, ttl);
      awaitReady(replacement);
      live.add(replacement);
    }
    System.out.println("Hand-over after SIGTERM, start after the next slot (ms): " + lateness);
    assertThat(cluster.overlappingIterations()).isZero();
  }

  @Test
  void killDashNineFailsOverWithinTheLeaseTtlPlusOneInterval() throws Exception {
    Duration interval = Duration.ofMillis(100);
    Duration ttl = Duration.ofSeconds(2);
    ReplicaProcess a = replica("a", 1, interval, Duration.ZERO, ttl);
    ReplicaProcess b = replica("b", 1, interval, Duration.ZERO, ttl);
    awaitReady(a, b);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 5);
    ReplicaProcess owner = cluster.holderOf("svc-00").equals("a") ? a : b;
    ReplicaProcess other = owner == a ? b : a;

    Instant killed = Instant.now();
    owner.kill();
    owner.awaitExit(Duration.ofSeconds(10));
    OffsetDateTime first = cluster.awaitFirstRun(other.replicaId, killed, Duration.ofSeconds(20));

    Duration failOver = Duration.between(killed, first.toInstant());
    System.out.println("Fail-over after kill -9: " + failOver.toMillis() + " ms");
    assertThat(failOver).isLessThanOrEqualTo(ttl.plus(interval).plusMillis(100));
    assertThat(cluster.overlappingIterations()).isZero();
  }

  @Test
  void threeReplicasShareThirtyServicesAndRebalanceOnLeaveAndJoin() throws Exception {
    Duration ttl = Duration.ofSeconds(3);
    Duration interval = Duration.ofSeconds(1);
    int services = 30;
    int leases = services + 1; // and the journal pruner
    ReplicaProcess r1 = replica("r1", services, interval, Duration.ZERO, ttl);
    ReplicaProcess r2 = replica("r2", services, interval, Duration.ZERO, ttl);
    ReplicaProcess r3 = replica("r3", services, interval, Duration.ZERO, ttl);
    awaitReady(r1, r2, r3);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.balanced(3, leases));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> cluster.balanced(3, leases));

    r3.terminate();
    Instant left = Instant.now();
    await().atMost(ttl.multipliedBy(2)).until(() -> cluster.balanced(2, leases));
    System.out.println(
        "Rebalanced after a leave in " + Duration.between(left, Instant.now()).toMillis() + " ms");

    ReplicaProcess r4 = replica("r4", services, interval, Duration.ZERO, ttl);
    awaitReady(r4);
    Instant joined = Instant.now();
    await().atMost(ttl.multipliedBy(2)).until(() -> cluster.balanced(3, leases));
    System.out.println(
        "Rebalanced after a join in " + Duration.between(joined, Instant.now()).toMillis() + " ms");
    assertThat(cluster.overlappingIterations()).isZero();
  }

  @Test
  void databaseOutageStopsIterationsWarnsOnceAndRecovers() throws Exception {
    Duration ttl = Duration.ofSeconds(2);
    ReplicaProcess a = replica("a", 4, Duration.ofMillis(50), Duration.ofMillis(1), ttl);
    ReplicaProcess b = replica("b", 4, Duration.ofMillis(50), Duration.ofMillis(1), ttl);
    awaitReady(a, b);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= 50);

    Instant cut = Instant.now();
    try (Connection admin = PostgresDatabases.admin();
        Statement s = admin.createStatement()) {
      s.execute("ALTER DATABASE " + fresh.name + " WITH ALLOW_CONNECTIONS false");
      s.execute(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
              + fresh.name
              + "'");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.printed(OUTAGE_WARNING) && b.printed(OUTAGE_WARNING));
    await()
        .pollDelay(ttl.multipliedBy(2))
        .atMost(ttl.multipliedBy(3))
        .until(() -> a.isAlive() && b.isAlive());
    Instant restored = Instant.now();
    try (Connection admin = PostgresDatabases.admin();
        Statement s = admin.createStatement()) {
      s.execute("ALTER DATABASE " + fresh.name + " WITH ALLOW_CONNECTIONS true");
    }
    database.close();
    database = fresh.open();
    cluster = new ClusterRecord(database);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.runsStartedBetween(restored, Instant.now()) >= 20);

    assertThat(cluster.runsStartedBetween(cut.plus(ttl.dividedBy(3)).plusMillis(500), restored))
        .isZero();
    assertThat(cluster.overlappingIterations()).isZero();
    assertThat(a.linesContaining(OUTAGE_WARNING)).isEqualTo(1);
    assertThat(b.linesContaining(OUTAGE_WARNING)).isEqualTo(1);
  }
}
