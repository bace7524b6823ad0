package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The lease contract on a database server: one fresh database for the class, emptied before each test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerLeaseCoordinatorContract extends LeaseCoordinatorContract {
  private FreshDatabase fresh;

  /** Makes the class's database; skips the class when the server does not answer. */
  abstract FreshDatabase createFresh();

  @BeforeAll
  void createDatabase() {
    fresh = createFresh();
  }

  @AfterAll
  void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Override
  Database emptyDatabase() throws SQLException {
    Database database = fresh.open();
    LoopworkSchema.create(database);
    try (Connection c = database.connection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM loopwork_lease");
      s.execute("DELETE FROM loopwork_replica");
      s.execute("DELETE FROM loopwork_run");
    }
    return database;
  }

  /**
   * Issue 12: a lease whose owner's session is gone, with no start recorded (the owner died before its first
   * renewal recorded one), is taken within two polls; the new owner starts one interval after it saw the owner
   * gone, since the owner may have started an iteration just before it died.
   */
  @Test
  void anOrphanedLeaseWithNoRecordedStartRunsOneIntervalAfterItsOwnerWasSeenGone() throws SQLException {
    String far = now() + " + 600000";
    execute("INSERT INTO loopwork_replica (replica_id, host, started_ms, expires_ms, session_lock) VALUES "
        + "('dead', 'h', " + now() + ", " + far + ", '12345')");
    execute("INSERT INTO loopwork_lease VALUES ('s', 'dead', 7, " + far + ", NULL)");
    long startedAt = System.nanoTime();
    replica("a").start(new RunLog.RecordedService("s", Duration.ofSeconds(1), "a", log, Duration.ofMillis(1)));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    RunLog.Run first = log.runs().get(0);
    assertThat(first.fencingToken()).isEqualTo(8);
    assertThat(Duration.ofNanos(first.startNanos() - startedAt)).isBetween(Duration.ofMillis(950),
        Duration.ofMillis(1_000).plus(POLL.multipliedBy(3)));
  }
}
