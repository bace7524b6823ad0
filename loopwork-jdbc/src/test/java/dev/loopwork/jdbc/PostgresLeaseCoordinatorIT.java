package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lease contract on a real PostgreSQL server. */
class PostgresLeaseCoordinatorIT extends ServerLeaseCoordinatorContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }

  /**
   * Issue 13: an owner that stalled between its fenced check and its commit keeps its expired lease's row locked. A
   * replica taking the lease skips the locked row instead of waiting on it, ends the stalled session once it has
   * sat idle for {@link LeaseStore#STALE_FENCE_MILLIS}, and takes the lease within the TTL, a poll and a second.
   * (Without the ending, the take-over waits for as long as the stalled process does.)
   */
  @Test
  void aTakeOverEndsTheSessionOfAFencedTransactionStalledBeforeItsCommit() throws SQLException {
    execute("INSERT INTO loopwork_lease VALUES ('s', 'stalled', 5, " + now() + " - 1, NULL)");
    try (Connection stalled = database.connection(); Statement s = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      s.executeQuery("SELECT 1 FROM loopwork_lease WHERE service = 's' FOR UPDATE").close(); // its fenced check
      long startedAt = System.nanoTime();
      replica("a").start(new RunLog.RecordedService("s", Duration.ofSeconds(1), "a", log, Duration.ofMillis(1)));

      await().atMost(Duration.ofSeconds(10)).until(() -> log.count() >= 1);
      assertThat(log.runs().get(0).fencingToken()).isEqualTo(6);
      assertThat(Duration.ofNanos(log.runs().get(0).startNanos() - startedAt))
          .isLessThan(TTL.plus(POLL).plusSeconds(1).plusMillis(500));
      assertThatThrownBy(() -> s.execute("SELECT 1")).isInstanceOf(SQLException.class);
    }
  }
}
