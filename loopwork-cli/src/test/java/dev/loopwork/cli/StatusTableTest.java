package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.cron.CronSchedule;
import dev.loopwork.jdbc.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the status table of an earlier host gains the cron and zone columns when a replica
 * starts, and the fleet's rows show a cron service's expression, zone and next fire.
 */
class StatusTableTest {
  private final Database database =
      Database.builder()
          .url("jdbc:h2:mem:status-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1")
          .build();

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void anEarlierHostsTableGainsTheCronColumnsAndACronServiceIsListedWithItsNextFire()
      throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      // The table as hosts before issue 16 made it.
      s.execute(
          "CREATE TABLE loopwork_service_status (service VARCHAR(200) NOT NULL, replica_id"
              + " VARCHAR(100) NOT NULL, kind VARCHAR(16) NOT NULL, coordination VARCHAR(16) NOT NULL,"
              + " enabled BOOLEAN NOT NULL, interval_ms BIGINT NOT NULL, state VARCHAR(16) NOT NULL,"
              + " iterations BIGINT NOT NULL, last_started_ms BIGINT, last_outcome VARCHAR(16),"
              + " last_duration_us BIGINT, failures_in_row INTEGER NOT NULL, next_run_ms BIGINT,"
              + " updated_ms BIGINT NOT NULL, PRIMARY KEY (service, replica_id))");
    }
    HostSchema.create(database);
    HostSchema.create(database);
    CronSchedule nightly = CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin"));
    StatusBoard board = new StatusBoard(Clock.systemUTC());
    board.list(
        new StatusBoard.Listing(
            "nightly",
            "sql",
            "every-replica",
            true,
            new ScheduleSpec.Cron(nightly, true, Optional.empty())));
    board.list(
        new StatusBoard.Listing(
            "ticker",
            "sql",
            "every-replica",
            true,
            new ScheduleSpec.Interval(Duration.ofSeconds(30))));
    StatusTable table = new StatusTable(database);

    table.publish("replica-1", board.snapshot());
    List<ServiceRow> fleet = table.fleet();

    assertThat(fleet).extracting(ServiceRow::name).containsExactly("nightly", "ticker");
    ServiceRow cron = fleet.get(0);
    assertThat(cron.schedule()).isEqualTo("cron 0 3 * * * (Europe/Berlin)");
    assertThat(cron.cron()).isEqualTo("0 3 * * *");
    assertThat(cron.zone()).isEqualTo("Europe/Berlin");
    assertThat(cron.interval()).isNull();
    assertThat(cron.intervalMs()).isEqualTo(Duration.ofDays(1).toMillis());
    assertThat(Instant.parse(cron.nextRun()))
        .isEqualTo(nightly.nextFireAfter(Instant.parse(cron.nextRun()).minusSeconds(1)))
        .isBetween(Instant.now(), Instant.now().plus(Duration.ofDays(1)));
    ServiceRow interval = fleet.get(1);
    assertThat(interval.schedule()).isEqualTo("every 30s");
    assertThat(interval.interval()).isEqualTo("30s");
    assertThat(interval.cron()).isNull();
    assertThat(interval.zone()).isNull();
  }
}
