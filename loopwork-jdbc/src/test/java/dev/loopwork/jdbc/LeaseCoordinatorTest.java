package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.jdbc.RunLog.RecordedService;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lease contract on H2, and the statement count that H2's query statistics can show. */
class LeaseCoordinatorTest extends LeaseCoordinatorContract {

  @Override
  Database emptyDatabase() {
    Database h2 = TestDatabases.h2();
    LoopworkSchema.create(h2);
    return h2;
  }

  @Test
  void renewalIsOneStatementPerPeriodHoweverManyServicesRun() throws SQLException {
    execute("SET QUERY_STATISTICS_MAX_ENTRIES 10000");
    execute("SET QUERY_STATISTICS TRUE");
    JdbcLoopRuntime a = replica("a");
    for (int i = 0; i < 40; i++) {
      a.start(new RecordedService("s" + i, Duration.ofMillis(50), "a", log, Duration.ZERO));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.heldLeases() == 40);
    long renewalsBefore = executions("UPDATE loopwork_lease SET expires_ms");
    long allBefore = executions("");
    int runsBefore = log.count();
    long from = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> log.count() >= runsBefore + 1_500);
    double seconds = (System.nanoTime() - from) / 1e9;

    long renewals = executions("UPDATE loopwork_lease SET expires_ms") - renewalsBefore;
    long statements = executions("") - allBefore;
    assertThat(renewals).isBetween(1L, (long) (seconds / (TTL.toMillis() / 3000.0)) + 2);
    assertThat(statements / seconds).as("coordination statements per second").isLessThan(40);
  }

  private long executions(String prefix) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT COALESCE(SUM(EXECUTION_COUNT), 0) FROM INFORMATION_SCHEMA.QUERY_STATISTICS "
                    + "WHERE SQL_STATEMENT LIKE '"
                    + prefix
                    + "%' AND SQL_STATEMENT LIKE '%loopwork_%' "
                    + "AND SQL_STATEMENT NOT LIKE '%QUERY_STATISTICS%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
