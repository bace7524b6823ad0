package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The lease contract on MariaDB. */
class MariaDbLeaseCoordinatorIT extends ServerLeaseCoordinatorContract {
  @Override
  FreshDatabase createFresh() {
    return MariaDbDatabases.create();
  }

  /**
   * Issue 13: a replica whose MariaDB user lacks the {@code PROCESS} privilege cannot find the
   * session of a fenced transaction stalled on an expired lease (InnoDB's lock waits need it). It
   * says so in one WARN, ends no session, and takes the lease as soon as the stalled transaction
   * ends: the documented fallback, where the take-over waits for the stalled process.
   */
  @Test
  void withoutTheProcessPrivilegeATakeOverWarnsOnceAndWaitsForTheStalledTransaction()
      throws SQLException {
    String user = "lw_noproc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    String schema = fresh.url().substring(fresh.url().lastIndexOf('/') + 1);
    for (String host : new String[] {"%", "localhost"}) {
      execute("CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY 'pw'");
      execute("GRANT ALL PRIVILEGES ON " + schema + ".* TO '" + user + "'@'" + host + "'");
    }
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'stalled', 5, "
            + now()
            + " - 1, NULL)");
    Logger dialect = (Logger) LoggerFactory.getLogger("dev.loopwork");
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    warnings.start();
    dialect.addAppender(warnings);
    try (Database limited =
            Database.builder()
                .url(fresh.url())
                .user(user)
                .password("pw")
                .maximumPoolSize(4)
                .build();
        Connection stalled = database.connection();
        Statement s = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      s.executeQuery("SELECT 1 FROM loopwork_lease WHERE service = 's' FOR UPDATE")
          .close(); // its fenced check
      JdbcLoopRuntime replica = replica("a", limited);
      replica.start(
          new RunLog.RecordedService("s", Duration.ofSeconds(1), "a", log, Duration.ofMillis(1)));

      // Past the bound of a take-over that ends the stalled session: none happens here.
      await()
          .during(TTL.plus(POLL).plusSeconds(2))
          .atMost(TTL.plus(POLL).plusSeconds(5))
          .until(() -> log.count() == 0);
      s.execute("SELECT 1"); // the stalled session lives
      List<ILoggingEvent> logged;
      synchronized (warnings) { // appends hold the appender's lock
        logged = List.copyOf(warnings.list);
      }
      assertThat(logged)
          .filteredOn(e -> e.getLevel() == Level.WARN)
          .extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.contains("needs the PROCESS privilege"))
          .hasSize(1);

      stalled.rollback(); // the stalled process wakes up and gives up
      await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
      assertThat(log.runs().get(0).fencingToken()).isEqualTo(6);
      replica.close(); // before its database
    } finally {
      dialect.detachAppender(warnings);
      for (String host : new String[] {"%", "localhost"}) {
        execute("DROP USER IF EXISTS '" + user + "'@'" + host + "'");
      }
    }
  }
}
