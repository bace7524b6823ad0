package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL: transactional DDL, so migrations run under a transaction-scoped advisory lock; a
 * replica's session lock is a session-level advisory lock; lease releases are announced with {@code
 * NOTIFY} on the channel {@value #RELEASE_CHANNEL}, which the session-lock connection listens to.
 */
final class PostgresDialect extends Dialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

  /** The advisory lock key of Loopwork's schema migrations: "loopwork" in ASCII, as a number. */
  private static final long MIGRATION_LOCK_KEY = 0x6c6f6f70776f726bL;

  /**
   * The first key of every replica's session lock (the second is the replica's own): "loop" in
   * ASCII.
   */
  private static final int SESSION_LOCK_CLASS = 0x6c6f6f70;

  /** The SQLSTATE of a lock wait that ran out of time. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";

  /** The notification channel of lease releases. */
  static final String RELEASE_CHANNEL = "loopwork_lease_released";

  /** The text of the failed cast by which a {@link #commitIfOneRow} statement refuses to commit. */
  private static final String REFUSED_COMMIT = "loopwork: no row to commit under, found ";

  /** The SQLSTATE of a text that is not a number. */
  private static final String INVALID_TEXT_REPRESENTATION = "22P02";

  private PostgresDialect() {}

  /**
   * The query's rows counted and cast to a number, which fails unless there was exactly one (the
   * text depends on the count, so that it is never folded into a constant at planning), then {@code
   * COMMIT}: the driver sends both in one round trip with one sync, and the server runs no message
   * after a failed one until that sync, so the {@code COMMIT} runs only after a row was found and
   * locked. The driver reads the transaction's end from the server, and its own {@code commit()}
   * then does nothing.
   */
  @Override
  public String statementNowMillis() {
    // CURRENT_TIMESTAMP is the transaction's start; clock_timestamp() is read as the row is made.
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }

  @Override
  public String commitIfOneRow(String lockingQuery) {
    return "SELECT CAST(CASE WHEN COUNT(*) = 1 THEN '1' ELSE '"
        + REFUSED_COMMIT
        + "' || COUNT(*) END AS INTEGER) FROM ("
        + lockingQuery
        + ") checked; COMMIT";
  }

  @Override
  public boolean isRefusedCommit(SQLException e) {
    return INVALID_TEXT_REPRESENTATION.equals(e.getSQLState())
        && e.getMessage() != null
        && e.getMessage().contains(REFUSED_COMMIT);
  }

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public void lockSchemaMigration(Connection connection) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, MIGRATION_LOCK_KEY);
      lock.execute();
    }
  }

  @Override
  public boolean hasSessionLocks() {
    return true;
  }

  @Override
  String newSessionLockName(Connection connection) {
    return Integer.toUnsignedString(ThreadLocalRandom.current().nextInt());
  }

  /**
   * A session-level advisory lock (the replica's own key under Loopwork's first key); listens for
   * releases too.
   */
  @Override
  Boolean tryLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
      lock.setInt(1, SESSION_LOCK_CLASS);
      lock.setInt(2, Integer.parseUnsignedInt(name));
      try (ResultSet rs = lock.executeQuery()) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return null;
        }
      }
    }
    // Behind a pooler the connection is not one server session: the backend that holds the lock is
    // not the one the
    // connection was opened with (a pooler hands the client its own cancel key, not the server's
    // pid).
    if (lockHolder(connection, name) != connection.unwrap(PGConnection.class).getBackendPID()) {
      try (PreparedStatement unlock =
          connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
        unlock.setInt(1, SESSION_LOCK_CLASS);
        unlock.setInt(2, Integer.parseUnsignedInt(name));
        unlock.execute(); // best effort: it may reach another server session
      }
      return false;
    }
    try (Statement listen = connection.createStatement()) {
      listen.execute("LISTEN " + RELEASE_CHANNEL);
    }
    return true;
  }

  /** The server process that holds the session lock {@code name}, 0 if none. */
  private static int lockHolder(Connection connection, String name) throws SQLException {
    try (PreparedStatement holder =
        connection.prepareStatement(
            "SELECT pid FROM pg_locks WHERE "
                + "locktype = 'advisory' AND classid = "
                + SESSION_LOCK_CLASS
                + " AND objid::text = ? AND objsubid = 2 "
                + "AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
      holder.setString(1, name);
      try (ResultSet rs = holder.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /**
   * A blocking {@code pg_advisory_lock} under a {@code lock_timeout}, in a transaction of its own
   * (one per wait); the lock is session-level, so it is let go explicitly. A timeout that fires as
   * the lock is granted leaves it granted (PostgreSQL keeps a lock that came with the timeout, and
   * a session lock outlives the transaction the timeout ends): that too is the end waited for, and
   * the lock goes, or the ended session would look alive for as long as this connection lives.
   */
  @Override
  public boolean awaitSessionEnd(Connection connection, String name, int timeoutMillis)
      throws SQLException {
    int key = Integer.parseUnsignedInt(name);
    connection.setAutoCommit(false);
    try (Statement timeout = connection.createStatement();
        PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?, ?)");
        PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
      timeout.execute("SET LOCAL lock_timeout = " + timeoutMillis);
      lock.setInt(1, SESSION_LOCK_CLASS);
      lock.setInt(2, key);
      try {
        lock.execute();
      } catch (SQLException e) {
        if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
          throw e;
        }
        connection.rollback();
        if (lockHolder(connection, name) != connection.unwrap(PGConnection.class).getBackendPID()) {
          return false;
        }
      }
      unlock.setInt(1, SESSION_LOCK_CLASS);
      unlock.setInt(2, key);
      unlock.execute();
      connection.commit();
      return true;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /**
   * The locker is found through the row's {@code xmax}, the id of the transaction that locked it,
   * and that transaction's own lock in {@code pg_locks}; it is ended with {@code
   * pg_terminate_backend}, which needs the same role as the session ended (or {@code
   * pg_signal_backend}).
   */
  @Override
  public List<Long> endStaleLockHolders(
      Connection connection,
      DataSource sessions,
      String table,
      String keyColumn,
      String key,
      String now,
      long idleMillis)
      throws SQLException {
    List<Long> ended = new ArrayList<>();
    try (PreparedStatement end =
        connection.prepareStatement(
            "SELECT a.pid, pg_terminate_backend(a.pid) FROM "
                + table
                + " t JOIN pg_locks l ON l.locktype = 'transactionid' AND l.transactionid = t.xmax "
                + "AND l.mode = 'ExclusiveLock' AND l.granted JOIN pg_stat_activity a ON a.pid = l.pid WHERE t."
                + keyColumn
                + " = ? AND t.expires_ms <= "
                + now
                + " AND a.pid <> pg_backend_pid() AND a.state = 'idle in transaction' "
                + "AND a.state_change < clock_timestamp() - make_interval(secs => ?)")) {
      end.setString(1, key);
      end.setDouble(2, idleMillis / 1000.0);
      try (ResultSet rs = end.executeQuery()) {
        while (rs.next()) {
          if (rs.getBoolean(2)) {
            ended.add(rs.getLong(1));
          }
        }
      }
    }
    return ended;
  }

  @Override
  public String sessionGone(String replica) {
    return replica
        + ".session_lock IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = "
        + "'advisory' AND k.classid = "
        + SESSION_LOCK_CLASS
        + " AND k.objid::text = "
        + replica
        + ".session_lock "
        + "AND k.objsubid = 2 AND k.granted AND k.database = (SELECT oid FROM pg_database WHERE datname = "
        + "current_database()))";
  }

  @Override
  public void announceRelease(Connection connection, String service) throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
      notify.setString(1, RELEASE_CHANNEL);
      notify.setString(2, service);
      notify.execute();
    }
  }

  @Override
  public boolean watchSession(Connection connection, int timeoutMillis) throws SQLException {
    PGNotification[] notifications =
        connection.unwrap(PGConnection.class).getNotifications(timeoutMillis);
    return notifications != null && notifications.length > 0;
  }
}
