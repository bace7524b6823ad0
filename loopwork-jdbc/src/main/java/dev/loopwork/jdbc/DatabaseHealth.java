package dev.loopwork.jdbc;

import dev.loopwork.internal.DurationFormat;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Loopwork's last database operation worked, shared by the leases and the journal of one
 * runtime so that an outage is logged once: one WARN when it starts, one INFO when it ends. An
 * outage ends once the database has answered for {@link #SETTLE_NANOS} without a failure, so that a
 * connection cut again and again (a flapping network, a pooler or an administrator ending sessions)
 * counts as one outage; iterations resume at the first answer all the same ({@link #isUp()}).
 * Thread-safe.
 */
final class DatabaseHealth {
  /** How long the database must answer without a failure for an outage to count as over: 5 s. */
  static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(5);

  private static final Logger LOG = LoggerFactory.getLogger("dev.loopwork.jdbc");

  private final String database;
  private final LongSupplier nanoTime;
  private volatile boolean up = true;
  private volatile boolean inOutage;
  // Guarded by this.
  private long outageStartNanos;
  private long answeringSinceNanos;

  DatabaseHealth(Database database) {
    this(database, System::nanoTime);
  }

  DatabaseHealth(Database database, LongSupplier nanoTime) {
    this.database = database.toString();
    this.nanoTime = nanoTime;
  }

  /** Whether the last operation succeeded. */
  boolean isUp() {
    return up;
  }

  /** An operation succeeded; ends an outage once the database has answered for long enough. */
  void succeeded() {
    if (up && !inOutage) {
      return;
    }
    long now = nanoTime.getAsLong();
    long downFor;
    synchronized (this) {
      if (!up) {
        up = true;
        answeringSinceNanos = now;
      }
      if (!inOutage || now - answeringSinceNanos < SETTLE_NANOS) {
        return;
      }
      inOutage = false;
      downFor = answeringSinceNanos - outageStartNanos;
    }
    LOG.info(
        "{} is reachable again after an outage of {}; coordinated services run again once they hold their "
            + "leases",
        database,
        DurationFormat.seconds(Duration.ofNanos(downFor)));
  }

  /**
   * {@code operation} failed with {@code e}; the first failure of an outage is logged at WARN, with
   * the error's message and no stack trace.
   */
  void failed(String operation, Exception e) {
    synchronized (this) {
      up = false;
      if (inOutage) {
        return;
      }
      inOutage = true;
      outageStartNanos = nanoTime.getAsLong();
    }
    LOG.warn(
        "Cannot {} in {}: {}. Coordinated services skip their iterations until the database answers again; "
            + "this is logged once per outage.",
        operation,
        database,
        DatabaseException.describe(e));
  }
}
