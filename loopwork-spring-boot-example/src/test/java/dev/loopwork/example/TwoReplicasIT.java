package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two instances of the example application on one PostgreSQL database run a service on exactly one
 * of them at a time: in the order of the iterations the fencing tokens only grow and each token
 * belongs to one instance (two owners at once would interleave their tokens), and there is one
 * iteration per interval, not one per instance, through the balancing of leases at start and the
 * hand-over when the instance that runs the service closes.
 */
class TwoReplicasIT {
  private static final Duration INTERVAL = Duration.ofMillis(200);

  private TickReplicas replicas;
  private JdbcTemplate jdbc;

  @BeforeEach
  void createDatabase() {
    replicas = new TickReplicas(INTERVAL);
    jdbc = replicas.jdbc;
  }

  @AfterEach
  void dropDatabase() throws Exception {
    replicas.close();
  }

  @Test
  void eachIterationRunsOnExactlyOneReplicaAndTheServiceMovesWhenItsOwnerCloses() {
    ConfigurableApplicationContext first = replicas.start("first");
    ConfigurableApplicationContext second = replicas.start("second");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> replicas.ticks() >= 15);
      String owner = replicas.lastTicker();
      ConfigurableApplicationContext running = "first".equals(owner) ? first : second;
      String other = "first".equals(owner) ? "second" : "first";

      running.close();
      long closedAt = System.currentTimeMillis();
      await().atMost(Duration.ofSeconds(30)).until(() -> replicas.ticksBy(other, closedAt) >= 5);

      List<Map<String, Object>> ticks =
          jdbc.queryForList(
              "SELECT replica, started_ms, fencing_token FROM tick " + "ORDER BY started_ms");
      Map<Long, String> ownerOfToken = new HashMap<>();
      for (int i = 0; i < ticks.size(); i++) {
        long token = (Long) ticks.get(i).get("fencing_token");
        String replica = (String) ticks.get(i).get("replica");
        assertThat(ownerOfToken.computeIfAbsent(token, t -> replica))
            .as("owner of token %d in %s", token, ticks)
            .isEqualTo(replica);
        if (i > 0) {
          assertThat(token)
              .as("tokens in the order of the ticks: %s", ticks)
              .isGreaterThanOrEqualTo((Long) ticks.get(i - 1).get("fencing_token"));
        }
      }
      assertThat(ownerOfToken).hasSizeGreaterThanOrEqualTo(2);
      long span =
          (Long) ticks.get(ticks.size() - 1).get("started_ms")
              - (Long) ticks.get(0).get("started_ms");
      assertThat(ticks)
          .as("ticks in %d ms: one per interval, not one per replica", span)
          .hasSizeLessThanOrEqualTo((int) (span / INTERVAL.toMillis() * 3 / 2) + 2);
    } finally {
      first.close();
      second.close();
    }
  }
}
