package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopService;
import dev.loopwork.spring.boot.LoopworkServices;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Instances of the example application on one fresh PostgreSQL database, each with the exclusive
 * service {@code tick}, which records every iteration in the table {@code tick} with the instance
 * that ran it and its fencing token. Closing drops the database.
 */
final class TickReplicas implements AutoCloseable {
  final JdbcTemplate jdbc;
  private final PostgresTestDatabase database;
  private final Duration interval;

  /**
   * A fresh database with the {@code tick} table, for instances that tick every {@code interval}.
   */
  TickReplicas(Duration interval) {
    this.interval = interval;
    database = PostgresTestDatabase.create();
    jdbc =
        new JdbcTemplate(
            new DriverManagerDataSource(database.url, PostgresTestDatabase.USER, null));
    jdbc.execute(
        "CREATE TABLE tick (replica VARCHAR(100) NOT NULL, started_ms BIGINT NOT NULL, "
            + "fencing_token BIGINT NOT NULL)");
  }

  /**
   * Starts an instance, without a web server, whose ticks say {@code replica}; {@code properties}
   * add to it.
   */
  ConfigurableApplicationContext start(String replica, String... properties) {
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(ExampleApplication.class, TickConfiguration.class)
            .properties(
                "spring.main.web-application-type=none",
                "spring.datasource.url=" + database.url,
                "spring.datasource.username=" + PostgresTestDatabase.USER,
                "tick.replica=" + replica,
                "loopwork.services.tick.interval=" + interval.toMillis() + "ms",
                "loopwork.coordination.lease-ttl=2s")
            .properties(properties)
            .run();
    assertThat(context.getBean(LoopworkServices.class).names()).contains("tick", "expire-sessions");
    return context;
  }

  /** How many ticks there are. */
  int ticks() {
    return jdbc.queryForObject("SELECT COUNT(*) FROM tick", Integer.class);
  }

  /** How many ticks {@code replica} ran after {@code sinceMillis}. */
  int ticksBy(String replica, long sinceMillis) {
    return jdbc.queryForObject(
        "SELECT COUNT(*) FROM tick WHERE replica = ? AND started_ms > ?",
        Integer.class,
        replica,
        sinceMillis);
  }

  /** The instance that ran the latest tick. */
  String lastTicker() {
    return jdbc.queryForObject(
        "SELECT replica FROM tick ORDER BY started_ms DESC LIMIT 1", String.class);
  }

  /** Drops the database. */
  @Override
  public void close() throws Exception {
    database.close();
  }

  /** Adds the tick service. */
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
      jdbc.update(
          "INSERT INTO tick (replica, started_ms, fencing_token) VALUES (?, ?, ?)",
          replica,
          System.currentTimeMillis(),
          fencingToken().orElse(0L));
    }
  }
}
