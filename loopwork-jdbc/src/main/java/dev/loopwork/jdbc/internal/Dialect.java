package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * What differs between the databases Loopwork supports, in one class per database. Everything else
 * is plain SQL that all of them accept. The dialect is detected from the connection's metadata.
 */
public abstract class Dialect {

  /** The dialect of the database behind {@code connection}. */
  public static Dialect detect(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    return forProduct(product);
  }

  /**
   * The dialect for a database product name as JDBC reports it ({@code PostgreSQL}, {@code H2},
   * {@code MariaDB}, {@code MySQL}).
   *
   * @throws IllegalArgumentException if Loopwork does not support the product
   */
  public static Dialect forProduct(String product) {
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("postgresql")) {
      return PostgresDialect.INSTANCE;
    }
    if (name.equals("h2")) {
      return H2Dialect.INSTANCE;
    }
    if (name.contains("mariadb") || name.contains("mysql")) {
      return MariaDbDialect.INSTANCE;
    }
    throw new IllegalArgumentException(
        "database product not supported by Loopwork: \""
            + product
            + "\" (supported: PostgreSQL, H2, MariaDB)");
  }

  /** The database's name for messages, e.g. {@code PostgreSQL}. */
  public abstract String name();

  /**
   * An SQL expression for the database's current time in milliseconds since the epoch: the leases'
   * clock.
   */
  public String nowMillis() {
    return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";
  }

  /**
   * As {@link #nowMillis()}, read when the statement runs rather than when its transaction began
   * (where the database keeps one time for the whole transaction): how long ago a recorded moment
   * was, against a moment of this process's clock taken right after the statement answered, so that
   * the statements before it in its transaction do not count.
   */
  public String statementNowMillis() {
    return nowMillis();
  }

  /** The column definition of a generated 64-bit primary key. */
  public String identityPrimaryKey() {
    return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
  }

  /** The column type of an instant with at least microsecond precision. */
  public String timestampType() {
    return "TIMESTAMP WITH TIME ZONE";
  }

  /** The SQL expression for the current instant, for column defaults. */
  public String currentTimestamp() {
    return "CURRENT_TIMESTAMP";
  }

  /** {@code instant} as a JDBC parameter for a {@link #timestampType()} column. */
  public Object timestampParameter(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  /**
   * The instant in column {@code column} of {@code row}, a {@link #timestampType()} column; null
   * for SQL NULL.
   */
  public Instant timestampValue(ResultSet row, int column) throws SQLException {
    OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  /** What follows a {@code SELECT} of constants that has a {@code WHERE} but no table. */
  public String fromNoTable() {
    return "";
  }

  /**
   * A statement that deletes at most {@code limit} rows of {@code table} matching {@code
   * condition}, oldest {@code id} first.
   */
  public String deleteOldest(String table, String condition, int limit) {
    return "DELETE FROM "
        + table
        + " WHERE id IN (SELECT id FROM "
        + table
        + " WHERE "
        + condition
        + " ORDER BY id FETCH FIRST "
        + limit
        + " ROWS ONLY)";
  }

  /**
   * Takes the lock that serialises schema migrations across processes, for the current transaction
   * of {@code connection}; {@link #unlockSchemaMigration} releases it after that transaction ends.
   */
  public abstract void lockSchemaMigration(Connection connection) throws SQLException;

  /** Releases what {@link #lockSchemaMigration} took, if the transaction's end did not. */
  public void unlockSchemaMigration(Connection connection) throws SQLException {}

  /**
   * Whether the database has session locks, so that a replica's liveness can follow its session.
   */
  public boolean hasSessionLocks() {
    return false;
  }

  /**
   * Takes, for the session of {@code connection}, a lock that tells the other replicas this process
   * is alive: the database frees it the moment the session ends. Returns its name as recorded in
   * the replica's row: {@code previous} again after a reconnection, a new one when that is null;
   * null when the database has no such locks or the lock is not held by the session of this
   * connection (a pooler in between), or when {@code previous} is still held by another session.
   */
  public final String takeSessionLock(Connection connection, String previous) throws SQLException {
    if (!hasSessionLocks()) {
      return null;
    }
    for (int attempt = 0; attempt < 10; attempt++) {
      String name = previous != null ? previous : newSessionLockName(connection);
      Boolean ownSession = tryLock(connection, name);
      if (ownSession != null) {
        return ownSession ? name : null;
      }
      if (previous != null) {
        return null;
      }
    }
    return null;
  }

  /** A new random session lock name for a replica on the database of {@code connection}. */
  String newSessionLockName(Connection connection) throws SQLException {
    throw new UnsupportedOperationException(name() + " has no session locks");
  }

  /**
   * Tries to take the session lock {@code name} without waiting: null if another session holds it,
   * else whether the session of this connection holds it now (false: a pooler ran the statements on
   * different server sessions).
   */
  Boolean tryLock(Connection connection, String name) throws SQLException {
    throw new UnsupportedOperationException(name() + " has no session locks");
  }

  /**
   * An SQL condition on the replicas-table row aliased {@code replica}: it records a session lock
   * and no session holds that lock any more, so its process or at least its session is gone.
   */
  public String sessionGone(String replica) {
    return "1 = 0";
  }

  /**
   * Announces, as part of the current transaction of {@code connection}, that the lease of {@code
   * service} was given up, so that replicas watching with {@link #watchSession} take it at once
   * instead of at their next poll. Does nothing where the database has no notifications.
   */
  public void announceRelease(Connection connection, String service) throws SQLException {}

  /**
   * Blocks on the session of {@code connection} (which holds a session lock, and listens for
   * announced releases where the database has them) for up to {@code timeoutMillis}: a read that
   * fails as soon as the session ends. Returns whether a release was announced meanwhile.
   *
   * @throws SQLException the moment the session is lost
   */
  public boolean watchSession(Connection connection, int timeoutMillis) throws SQLException {
    throw new UnsupportedOperationException(name() + " has no session locks");
  }

  /**
   * Waits up to {@code timeoutMillis} on {@code connection} for the session lock {@code name} of
   * another replica to be free, which happens the moment that replica's session ends; then takes it
   * and lets it go at once. Returns whether it was freed. Where the database has no session locks,
   * waits and returns false.
   */
  public boolean awaitSessionEnd(Connection connection, String name, int timeoutMillis)
      throws SQLException {
    throw new UnsupportedOperationException(name() + " has no session locks");
  }

  /**
   * Makes the next statement on {@code connection}, in auto-commit mode, pass over rows that
   * another transaction has locked when their committed values do not match its condition, instead
   * of waiting for that transaction. Nothing to do where every statement already does (PostgreSQL,
   * H2).
   */
  public void skipOthersLockedRows(Connection connection) throws SQLException {}

  /**
   * Ends the database sessions whose open transaction locks the row of {@code table} whose {@code
   * keyColumn} is {@code key}, if that row's {@code expires_ms} has passed by {@code now} and the
   * session has sat idle in its transaction for longer than {@code idleMillis}; returns their ids.
   * {@code sessions} gives a second connection where the database needs one to find the locker.
   * None by default: a database without a way to find a row's locker leaves it be.
   */
  public List<Long> endStaleLockHolders(
      Connection connection,
      DataSource sessions,
      String table,
      String keyColumn,
      String key,
      String now,
      long idleMillis)
      throws SQLException {
    return List.of();
  }

  /**
   * One statement text that, in the open transaction, runs {@code lockingQuery} (a {@code SELECT
   * ... FOR UPDATE} with its parameters) and commits the transaction only if it returned exactly
   * one row, in one round trip; if it returned none the statement fails, the transaction is left to
   * roll back and {@link #isRefusedCommit} tells that failure from others. Null where the database
   * or its driver cannot send both at once: the caller then runs the query and commits in two.
   */
  public String commitIfOneRow(String lockingQuery) {
    return null;
  }

  /**
   * Whether {@code e} is the refusal of a {@link #commitIfOneRow} statement whose query found no
   * row.
   */
  public boolean isRefusedCommit(SQLException e) {
    return false;
  }

  /** Whether {@code e} says that a row with the same key already exists. */
  public boolean isDuplicateKey(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && "23505".equals(((SQLException) t).getSQLState())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return name();
  }
}
