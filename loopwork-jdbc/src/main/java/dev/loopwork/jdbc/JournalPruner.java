package dev.loopwork.jdbc;

import static dev.loopwork.jdbc.LoopworkSchema.REPLICA_TABLE;
import static dev.loopwork.jdbc.LoopworkSchema.RUN_TABLE;

import dev.loopwork.LoopClock;
import dev.loopwork.LoopOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Loopwork's own loop service that deletes journal entries older than the retention, in batches so
 * that no statement holds locks for long, and replica rows that expired that long ago. Coordinated
 * like any other service, so one replica prunes at a time.
 */
final class JournalPruner extends JdbcLoopService {
  /** The service's name, the same on every replica. */
  static final String NAME = "loopwork-journal-pruner";

  /** How many rows one delete statement removes at most. */
  static final int BATCH = 10_000;

  private final Duration retention;
  private final LoopClock clock;

  JournalPruner(Duration retention, Duration interval, LoopClock clock) {
    super(LoopOptions.builder().loopInterval(interval).handleSignals(false).build());
    this.retention = retention;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected void runOnce() throws SQLException {
    long deleted = 0;
    try (Connection c = database().connection();
        PreparedStatement delete =
            c.prepareStatement(
                database().dialect().deleteOldest(RUN_TABLE, "started_at < ?", BATCH));
        PreparedStatement replicas =
            c.prepareStatement(
                "DELETE FROM "
                    + REPLICA_TABLE
                    + " WHERE expires_ms < "
                    + database().dialect().nowMillis()
                    + " - ?")) {
      delete.setObject(
          1, database().dialect().timestampParameter(clock.instant().minus(retention)));
      int batch;
      do {
        batch = delete.executeUpdate();
        deleted += batch;
      } while (batch == BATCH && !Thread.currentThread().isInterrupted());
      replicas.setLong(1, retention.toMillis());
      replicas.executeUpdate();
    }
    if (deleted > 0) {
      logger().info("Deleted {} run journal entries older than {}", deleted, retention);
    }
  }
}
