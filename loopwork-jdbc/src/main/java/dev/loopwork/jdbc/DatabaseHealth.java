package dev.loopwork.jdbc;

import dev.loopwork.internal.DurationFormat;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Loopwork's last database operation worked, shared by the leases and the journal of one runtime so that
 * an outage is logged once: one WARN when it starts, one INFO when it ends. Thread-safe.
 */
final class DatabaseHealth {
  private static final Logger LOG = LoggerFactory.getLogger("dev.loopwork.jdbc");

  private final String database;
  private volatile boolean up = true;
  private long downSinceNanos;

  DatabaseHealth(Database database) {
    this.database = database.toString();
  }

  /** Whether the last operation succeeded. */
  boolean isUp() {
    return up;
  }

  /** An operation succeeded; ends an outage if one was going on. */
  void succeeded() {
    if (up) {
      return;
    }
    long downFor;
    synchronized (this) {
      if (up) {
        return;
      }
      up = true;
      downFor = System.nanoTime() - downSinceNanos;
    }
    LOG.info("{} is reachable again after {}; coordinated services run again once they hold their leases",
        database, DurationFormat.seconds(Duration.ofNanos(downFor)));
  }

  /** {@code operation} failed with {@code e}; the first failure of an outage is logged at WARN. */
  void failed(String operation, Exception e) {
    synchronized (this) {
      if (!up) {
        return;
      }
      up = false;
      downSinceNanos = System.nanoTime();
    }
    LOG.warn("Cannot {} in {}: {}. Coordinated services skip their iterations until the database answers again; "
        + "this is logged once per outage.", operation, database, e.toString());
  }
}
