package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 13: an outage is one WARN and one INFO, also when the connection is cut again and again (an
 * administrator terminating sessions every 2 s): it ends only once the database has answered for
 * {@link DatabaseHealth#SETTLE_NANOS}, while iterations may run again at the first answer.
 */
class DatabaseHealthTest {
  private final AtomicLong nanos = new AtomicLong();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private Logger logger;
  private Database database;
  private DatabaseHealth health;

  @BeforeEach
  void capture() {
    logger = (Logger) LoggerFactory.getLogger("dev.loopwork.jdbc");
    logger.setLevel(Level.INFO);
    log.start();
    logger.addAppender(log);
    database = TestDatabases.h2();
    health = new DatabaseHealth(database, nanos::get);
  }

  @AfterEach
  void release() {
    logger.detachAppender(log);
    logger.setLevel(null);
    database.close();
  }

  @Test
  void aFlappingConnectionIsOneOutageWithOneWarningAndOneInfo() {
    for (int cut = 0; cut < 10; cut++) {
      health.failed("renew the leases", new SQLException("terminating connection", "57P01"));
      assertThat(health.isUp()).isFalse();
      advanceSeconds(0.2);
      health.succeeded();
      assertThat(health.isUp()).as("iterations run again at the first answer").isTrue();
      advanceSeconds(1.8);
      health.succeeded();
    }
    assertThat(levels()).containsExactly(Level.WARN);

    advanceSeconds(3.5);
    health.succeeded();
    assertThat(levels()).containsExactly(Level.WARN, Level.INFO);
    assertThat(log.list.get(0).getFormattedMessage())
        .contains("Cannot renew the leases")
        .contains("57P01")
        .contains("logged once per outage");
    assertThat(log.list.get(0).getThrowableProxy()).isNull();
    assertThat(log.list.get(1).getFormattedMessage())
        .contains("is reachable again after an outage of 18.200 s");
  }

  @Test
  void aNewFailureAfterTheOutageEndedIsANewOutage() {
    health.failed("renew the leases", new SQLException("refused"));
    health.succeeded();
    advanceSeconds(5);
    health.succeeded();
    health.failed("renew the leases", new SQLException("refused"));

    assertThat(levels()).containsExactly(Level.WARN, Level.INFO, Level.WARN);
  }

  private void advanceSeconds(double seconds) {
    nanos.addAndGet((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
  }

  private java.util.List<Level> levels() {
    return log.list.stream().map(ILoggingEvent::getLevel).toList();
  }
}
