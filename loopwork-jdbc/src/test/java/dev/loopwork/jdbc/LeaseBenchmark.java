package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Measures leases across replica processes on PostgreSQL; a benchmark, not part of the build. Run it with
 *
 * <pre>
 * ./mvnw -q -pl loopwork-jdbc -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LeaseBenchmark
 * </pre>
 *
 * and read the lines starting with {@code BENCHMARK}; docs/benchmarks.md records them.
 */
class LeaseBenchmark extends ReplicaClusterTestBase {
  private static final int TRIES = 10;
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration INTERVAL = Duration.ofMillis(100);

  private int started;

  @Test
  void failOverAfterKillAndHandOverAfterSigterm() throws Exception {
    List<ReplicaProcess> pair = new ArrayList<>(List.of(replica(1, TTL), replica(1, TTL)));
    List<Long> failOvers = new ArrayList<>();
    List<Long> handOvers = new ArrayList<>();
    for (int i = 0; i < 2 * TRIES; i++) {
      boolean kill = i < TRIES;
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.balanced(2, 2));
      int runs = cluster.journalCount();
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.journalCount() >= runs + 3);
      String holder = cluster.holderOf("svc-00");
      ReplicaProcess owner = pair.stream().filter(r -> r.replicaId.equals(holder)).findFirst().orElseThrow();
      ReplicaProcess other = pair.get(pair.get(0) == owner ? 1 : 0);
      Instant at = Instant.now();
      if (kill) {
        owner.kill();
      } else {
        owner.terminate();
      }
      Instant first = cluster.awaitFirstRun(other.replicaId, at, Duration.ofSeconds(30)).toInstant();
      (kill ? failOvers : handOvers).add(Duration.between(at, first).toMillis());
      owner.awaitExit(Duration.ofSeconds(30));
      pair.set(pair.indexOf(owner), replica(1, TTL));
    }
    report("fail-over after kill -9 (TTL " + TTL.toMillis() + " ms, interval " + INTERVAL.toMillis() + " ms)",
        failOvers);
    report("hand-over after SIGTERM (interval " + INTERVAL.toMillis() + " ms)", handOvers);
    System.out.println("BENCHMARK overlapping iterations: " + cluster.overlappingIterations());
    assertThat(cluster.overlappingIterations()).isZero();
  }

  @Test
  void transactionsPerSecondDoNotGrowWithTheNumberOfServices() throws Exception {
    Duration ttl = LeaseCoordinator.DEFAULT_LEASE_TTL;
    ReplicaProcess few = replica(10, ttl);
    await().atMost(Duration.ofSeconds(120)).until(() -> cluster.balanced(1, 11));
    System.out.printf("BENCHMARK 1 replica, 10 services (interval 1 s, TTL 10 s): %.1f transactions/s%n",
        transactionsPerSecond());
    few.terminate();
    few.awaitExit(Duration.ofSeconds(30));

    int services = 1_000;
    replica(services, ttl);
    await().atMost(Duration.ofSeconds(120)).until(() -> cluster.balanced(1, services + 1));
    System.out.printf("BENCHMARK 1 replica, %d services (interval 1 s, TTL 10 s): %.1f transactions/s%n", services,
        transactionsPerSecond());
    replica(services, ttl);
    await().atMost(Duration.ofSeconds(120)).until(() -> cluster.balanced(2, services + 1));
    System.out.printf("BENCHMARK 2 replicas, %d services: %.1f transactions/s per replica%n", services,
        transactionsPerSecond() / 2);
    System.out.println("BENCHMARK overlapping iterations: " + cluster.overlappingIterations());
    assertThat(cluster.overlappingIterations()).isZero();
  }

  private ReplicaProcess replica(int services, Duration ttl) throws IOException {
    ReplicaProcess replica = replica("r" + ++started, services, services == 1 ? INTERVAL : Duration.ofSeconds(1),
        Duration.ZERO, ttl);
    awaitReady(replica);
    return replica;
  }

  /**
   * Committed transactions in the database per second, over 20 s after a warm-up of 15 s (PostgreSQL flushes the
   * counters of idle sessions late): each autocommit statement of the replicas is one, each journal batch one.
   */
  private double transactionsPerSecond() throws SQLException {
    Duration window = Duration.ofSeconds(20);
    await().pollDelay(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(30)).until(() -> true);
    long before = cluster.committedTransactions(fresh.name);
    long from = System.nanoTime();
    await().pollDelay(window).atMost(window.multipliedBy(2)).until(() -> true);
    long after = cluster.committedTransactions(fresh.name);
    return (after - before) / ((System.nanoTime() - from) / 1e9);
  }

  private static void report(String what, List<Long> millis) {
    List<Long> sorted = millis.stream().sorted().toList();
    long median = (sorted.get((sorted.size() - 1) / 2) + sorted.get(sorted.size() / 2)) / 2;
    System.out.println("BENCHMARK " + what + ": median " + median + " ms, max " + sorted.get(sorted.size() - 1)
        + " ms over " + sorted.size() + " tries " + sorted);
  }
}
