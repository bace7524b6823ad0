package dev.loopwork.jdbc;

import static dev.loopwork.jdbc.LoopworkSchema.RUN_TABLE;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.internal.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every iteration in {@value LoopworkSchema#PREFIX}run: service, replica, start, duration,
 * outcome, fencing token and a summary of the error. A listener that only queues the result; a
 * background thread writes the queue in batches, so the loop never waits for the database. While
 * the database is down, entries wait in the queue (at most {@value #CAPACITY}; older ones beyond
 * that are dropped and counted) and are written when it returns. {@link #close()} writes what is
 * left.
 */
final class RunJournal implements LoopListener, AutoCloseable {
  /** How many entries wait at most; beyond that the oldest are dropped. */
  static final int CAPACITY = 50_000;

  /** How many entries one batch writes at most. */
  static final int BATCH = 1_000;

  /** The longest error summary kept, in characters. */
  static final int ERROR_SUMMARY_LENGTH = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(RunJournal.class);

  private final Database database;
  private final DatabaseHealth health;
  private final String replicaId;
  private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final List<Entry> unwritten = new ArrayList<>();
  private final AtomicLong dropped = new AtomicLong();
  private final ScheduledExecutorService writer;

  RunJournal(Database database, DatabaseHealth health, String replicaId) {
    this.database = database;
    this.health = health;
    this.replicaId = replicaId;
    this.writer =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("loopwork-journal"));
    writer.scheduleWithFixedDelay(this::flush, 200, 200, TimeUnit.MILLISECONDS);
  }

  private record Entry(
      String service,
      long iteration,
      Long fencingToken,
      Instant startedAt,
      long durationMicros,
      String outcome,
      String error) {}

  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    String error =
        result
            .failure()
            .map(DatabaseException::describe)
            .map(database.secrets()::apply)
            .map(RunJournal::summary)
            .orElse(null);
    // The token the iteration ran under (0: granted without a lease, as every-replica services
    // are).
    Long token =
        result.fencingToken().isPresent() && result.fencingToken().getAsLong() > 0
            ? result.fencingToken().getAsLong()
            : null;
    Entry entry =
        new Entry(
            result.serviceName(),
            result.iteration(),
            token,
            result.startedAt(),
            result.duration().toNanos() / 1_000,
            result.outcome().name(),
            error);
    while (!queue.offer(entry)) {
      if (queue.poll() != null && dropped.incrementAndGet() == 1) {
        LOG.warn(
            "The run journal's queue is full ({} entries): dropping the oldest entries until the database "
                + "keeps up",
            CAPACITY);
      }
    }
  }

  /** Entries waiting to be written. */
  int backlog() {
    return queue.size() + unwrittenSize();
  }

  private synchronized int unwrittenSize() {
    return unwritten.size();
  }

  /**
   * Writes what is queued, in batches; keeps a failed batch for the next attempt. Runs on the
   * writer thread.
   */
  synchronized void flush() {
    try {
      do {
        queue.drainTo(unwritten, BATCH - unwritten.size());
        if (unwritten.isEmpty()) {
          return;
        }
        write(unwritten);
        unwritten.clear();
        health.succeeded();
      } while (!queue.isEmpty());
    } catch (SQLException e) {
      if (isRefusedData(e)) {
        LOG.error(
            "The database refused {} run journal entries; dropping them: {}",
            unwritten.size(),
            e.toString());
        unwritten.clear();
      } else {
        health.failed("write the run journal", e);
      }
    } catch (RuntimeException e) {
      health.failed("write the run journal", e);
    }
  }

  /**
   * A data or constraint error (SQLState class 22 or 23): retrying the same rows would fail
   * forever.
   */
  private static boolean isRefusedData(SQLException e) {
    for (SQLException next = e; next != null; next = next.getNextException()) {
      String state = next.getSQLState();
      if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  private void write(List<Entry> entries) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO "
                    + RUN_TABLE
                    + " (service, replica_id, "
                    + "iteration, fencing_token, started_at, duration_us, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      Transactions.run(
          c,
          () -> {
            for (Entry e : entries) {
              insert.setString(1, e.service);
              insert.setString(2, replicaId);
              insert.setLong(3, e.iteration);
              if (e.fencingToken == null) {
                insert.setNull(4, Types.BIGINT);
              } else {
                insert.setLong(4, e.fencingToken);
              }
              insert.setObject(5, database.dialect().timestampParameter(e.startedAt));
              insert.setLong(6, e.durationMicros);
              insert.setString(7, e.outcome);
              insert.setString(8, e.error);
              insert.addBatch();
            }
            insert.executeBatch();
          });
    }
  }

  /** Stops the writer and writes what is left, once. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }

  static String summary(String error) {
    return error.length() <= ERROR_SUMMARY_LENGTH
        ? error
        : error.substring(0, ERROR_SUMMARY_LENGTH - 3) + "...";
  }
}
