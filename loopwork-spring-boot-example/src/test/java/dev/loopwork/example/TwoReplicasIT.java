package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopService;
import dev.loopwork.spring.boot.LoopworkServices;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Two instances of the example application on one PostgreSQL database run a service on exactly one of them at a
 * time: in the order of the iterations the fencing tokens only grow and each token belongs to one instance (two
 * owners at once would interleave their tokens), and there is one iteration per interval, not one per instance,
 * through the balancing of leases at start and the hand-over when the instance that runs the service closes.
 */
class TwoReplicasIT {
  private static final Duration INTERVAL = Duration.ofMillis(200);

  private PostgresTestDatabase database;
  private JdbcTemplate jdbc;

  @BeforeEach
  void createDatabase() {
    database = PostgresTestDatabase.create();
    jdbc = new JdbcTemplate(new DriverManagerDataSource(database.url, PostgresTestDatabase.USER, null));
    jdbc.execute("CREATE TABLE tick (replica VARCHAR(100) NOT NULL, started_ms BIGINT NOT NULL, "
        + "fencing_token BIGINT NOT NULL)");
  }

  @AfterEach
  void dropDatabase() throws Exception {
    database.close();
  }

  @Test
  void eachIterationRunsOnExactlyOneReplicaAndTheServiceMovesWhenItsOwnerCloses() {
    ConfigurableApplicationContext first = start("first");
    ConfigurableApplicationContext second = start("second");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> ticks() >= 15);
      String owner = jdbc.queryForObject("SELECT replica FROM tick ORDER BY started_ms DESC LIMIT 1", String.class);
      ConfigurableApplicationContext running = "first".equals(owner) ? first : second;
      String other = "first".equals(owner) ? "second" : "first";

      running.close();
      long closedAt = System.currentTimeMillis();
      await().atMost(Duration.ofSeconds(30)).until(() -> ticksBy(other, closedAt) >= 5);

      List<Map<String, Object>> ticks = jdbc.queryForList("SELECT replica, started_ms, fencing_token FROM tick "
          + "ORDER BY started_ms");
      Map<Long, String> ownerOfToken = new HashMap<>();
      for (int i = 0; i < ticks.size(); i++) {
        long token = (Long) ticks.get(i).get("fencing_token");
        String replica = (String) ticks.get(i).get("replica");
        assertThat(ownerOfToken.computeIfAbsent(token, t -> replica)).as("owner of token %d in %s", token, ticks)
            .isEqualTo(replica);
        if (i > 0) {
          assertThat(token).as("tokens in the order of the ticks: %s", ticks)
              .isGreaterThanOrEqualTo((Long) ticks.get(i - 1).get("fencing_token"));
        }
      }
      assertThat(ownerOfToken).hasSizeGreaterThanOrEqualTo(2);
      long span = (Long) ticks.get(ticks.size() - 1).get("started_ms") - (Long) ticks.get(0).get("started_ms");
      assertThat(ticks).as("ticks in %d ms: one per interval, not one per replica", span)
          .hasSizeLessThanOrEqualTo((int) (span / INTERVAL.toMillis() * 3 / 2) + 2);
    } finally {
      first.close();
      second.close();
    }
  }

  private int ticks() {
    return jdbc.queryForObject("SELECT COUNT(*) FROM tick", Integer.class);
  }

  private int ticksBy(String replica, long sinceMillis) {
    return jdbc.queryForObject("SELECT COUNT(*) FROM tick WHERE replica = ? AND started_ms > ?", Integer.class,
        replica, sinceMillis);
  }

  private ConfigurableApplicationContext start(String replica) {
    ConfigurableApplicationContext context = new SpringApplicationBuilder(ExampleApplication.class,
        TickConfiguration.class).properties("spring.main.web-application-type=none",
            "spring.datasource.url=" + database.url, "spring.datasource.username=" + PostgresTestDatabase.USER,
            "tick.replica=" + replica, "loopwork.services.tick.interval=" + INTERVAL.toMillis() + "ms",
            "loopwork.coordination.lease-ttl=2s").run();
    assertThat(context.getBean(LoopworkServices.class).names()).contains("tick", "expire-sessions");
    return context;
  }

  /** Adds the tick service, which records every iteration with its replica and fencing token. */
  @TestConfiguration(proxyBeanMethods = false)
  static class TickConfiguration {
    @Bean
    LoopService tick(DataSource dataSource, @Value("${tick.replica}") String replica) {
      return new Tick(new JdbcTemplate(dataSource), replica);
    }
  }

  /** Inserts one row per iteration: which replica ran it, when, under which fencing token. */
  static final class Tick extends LoopService {
    private final JdbcTemplate jdbc;
    private final String replica;

    Tick(JdbcTemplate jdbc, String replica) {
      super(Duration.ofMinutes(1));
      this.jdbc = jdbc;
      this.replica = replica;
    }

    @Override
    public String name() {
      return "tick";
    }

    @Override
    protected void runOnce() {
      jdbc.update("INSERT INTO tick (replica, started_ms, fencing_token) VALUES (?, ?, ?)", replica,
          System.currentTimeMillis(), fencingToken().orElseThrow());
    }
  }
}
