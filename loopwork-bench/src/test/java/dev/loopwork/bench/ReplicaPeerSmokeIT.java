package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.testsupport.RequiredServer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every replica peer adapter, as two replicas in this JVM on a PostgreSQL database of its own: its
 * services iterate, never on both replicas at once, go on on the second replica once the first is
 * closed, and stop once both are. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust
 * authentication, or {@code -Dloopwork.bench.pg.url}); skipped without it unless {@code CI=true}.
 */
class ReplicaPeerSmokeIT {
  private static final List<String> SERVICES = List.of("svc-0", "svc-1", "svc-2");
  private static final Duration INTERVAL = Duration.ofMillis(200);

  /**
   * How long each iteration works: the window in which a second replica running the same service
   * would be seen. It is the iteration's work, not a wait for a condition, so no assertion depends
   * on its length.
   */
  private static final Duration WORK = Duration.ofMillis(50);

  private final ConcurrentHashMap<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> inside = new ConcurrentHashMap<>();
  private final AtomicInteger mostAtOnce = new AtomicInteger();

  static List<String> peers() {
    return ReplicaPeers.ALL;
  }

  @ParameterizedTest
  @MethodSource("peers")
  void runsEachServiceOnOneReplicaAtATimeAndHandsOverOnClose(String id) throws Exception {
    try (PostgresBenchDatabase db = database("loopwork_bench_smoke_" + id.replace('-', '_'));
        HikariDataSource poolA = pool(db);
        HikariDataSource poolB = pool(db);
        ReplicaPeer a = ReplicaPeers.create(id);
        ReplicaPeer b = ReplicaPeers.create(id)) {
      a.createTables(poolA);
      a.start(poolA, "a", SERVICES, INTERVAL, this::body);
      b.start(poolB, "b", SERVICES, INTERVAL, this::body);
      await().atMost(Duration.ofSeconds(20)).until(() -> fewestRuns() >= 3);

      a.close();
      int afterFirstClose = fewestRuns();
      await().atMost(Duration.ofSeconds(20)).until(() -> fewestRuns() >= afterFirstClose + 2);
      b.close();
      int total = totalRuns();

      await()
          .during(Duration.ofMillis(600))
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(totalRuns()).isEqualTo(total));
      assertThat(mostAtOnce.get())
          .as("iterations of one service at once, across both replicas")
          .isEqualTo(1);
    }
  }

  private void body(String service) {
    AtomicInteger now = inside.computeIfAbsent(service, s -> new AtomicInteger());
    mostAtOnce.accumulateAndGet(now.incrementAndGet(), Math::max);
    try {
      Thread.sleep(WORK.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runs.computeIfAbsent(service, s -> new AtomicInteger()).incrementAndGet();
    now.decrementAndGet();
  }

  private int fewestRuns() {
    List<Integer> counts = new ArrayList<>();
    SERVICES.forEach(s -> counts.add(runs.getOrDefault(s, new AtomicInteger()).get()));
    return counts.stream().mapToInt(Integer::intValue).min().orElse(0);
  }

  private int totalRuns() {
    return runs.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private static HikariDataSource pool(PostgresBenchDatabase db) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.url());
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  private static PostgresBenchDatabase database(String name) {
    try {
      return PostgresBenchDatabase.create(name);
    } catch (SQLException e) {
      RequiredServer.missing(e.getMessage() + ". Start PostgreSQL there to run this test.", e);
      return null;
    }
  }
}
