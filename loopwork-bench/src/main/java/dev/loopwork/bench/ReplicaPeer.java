package dev.loopwork.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * One replica of a scheduler that runs the same services on several processes against one database
 * and promises that each iteration runs on one replica only. An instance is one replica: {@link
 * #start} runs the services here, {@link #close()} stops them gracefully (as on SIGTERM). Each
 * replica process of the replicas scenario holds one.
 */
public interface ReplicaPeer extends AutoCloseable {
  /**
   * How long the claim of a replica that died (kill -9) on a service keeps the others from running
   * it, the same for every peer: Loopwork's lease TTL, ShedLock's {@code lockAtMostFor},
   * db-scheduler's heartbeat interval times its missed-heartbeats limit.
   */
  Duration CLAIM_AFTER_CRASH = Duration.ofSeconds(2);

  /**
   * How often a replica looks in the database for work it may take over, where the peer has such a
   * setting: Loopwork's lease poll interval (its default) and db-scheduler's polling interval.
   * ShedLock has none: each replica tries the lock at every tick of its own schedule.
   */
  Duration POLL_INTERVAL = Duration.ofMillis(200);

  /**
   * Threads and pooled database connections of each replica, the same for every peer
   * (db-scheduler's default).
   */
  int THREADS = 10;

  /** The peer's identifier in results and tables, e.g. {@code shedlock}. */
  String id();

  /**
   * The JDBC URL its replicas connect with, given the database's own: the same unless a pooler is
   * in between.
   */
  default String url(String databaseUrl) {
    return databaseUrl;
  }

  /**
   * Creates the tables the peer coordinates through in the empty database behind {@code
   * dataSource}.
   */
  void createTables(DataSource dataSource) throws SQLException;

  /**
   * Starts, on this replica, one service per name in {@code services}, each meant to run {@code
   * body} (given the service's name) every {@code interval} on whichever replica the peer picks.
   * Returns without waiting for a run.
   */
  void start(
      DataSource dataSource,
      String replicaId,
      List<String> services,
      Duration interval,
      Consumer<String> body);

  /** Statements that a service runs in one transaction. */
  interface TransactionBody {
    void run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code body} in one transaction on a connection of {@code dataSource}, as a user of the
   * peer writes: a plain JDBC transaction, unless the peer offers something better.
   */
  default void inTransaction(DataSource dataSource, TransactionBody body) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        body.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /**
   * Stops gracefully: no new iteration starts, running ones finish, and what this replica holds in
   * the database is released where the peer does so. Idempotent.
   */
  @Override
  void close();
}
