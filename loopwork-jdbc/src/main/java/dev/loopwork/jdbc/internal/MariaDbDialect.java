package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.ThreadLocalRandom;

/**
 * MariaDB (and MySQL): no time zone in timestamps (Loopwork stores UTC), {@code FROM DUAL}, {@code DELETE ...
 * LIMIT}, named session locks for migrations and for replicas' liveness, and duplicate keys as error 1062.
 */
final class MariaDbDialect extends Dialect {
  static final MariaDbDialect INSTANCE = new MariaDbDialect();

  private static final String MIGRATION_LOCK = "loopwork_schema_migration";
  private static final int DUPLICATE_ENTRY = 1062;
  private static final int MAX_SESSION_SLEEP_MILLIS = 100;

  private MariaDbDialect() {}

  @Override
  public String name() {
    return "MariaDB";
  }

  @Override
  public String nowMillis() {
    // Both parts read the statement's start, as an instant: no detour through the session's time zone, in which
    // the hour that a change from summer time repeats is ambiguous (UNIX_TIMESTAMP(NOW(3)) reads an hour behind).
    return "(UNIX_TIMESTAMP() * 1000 + MICROSECOND(NOW(6)) DIV 1000)";
  }

  @Override
  public String identityPrimaryKey() {
    return "BIGINT AUTO_INCREMENT PRIMARY KEY";
  }

  @Override
  public String timestampType() {
    return "DATETIME(6)";
  }

  @Override
  public String currentTimestamp() {
    return "CURRENT_TIMESTAMP(6)";
  }

  @Override
  public Object timestampParameter(Instant instant) {
    return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  @Override
  public Instant timestampValue(ResultSet row, int column) throws SQLException {
    LocalDateTime value = row.getObject(column, LocalDateTime.class);
    return value == null ? null : value.toInstant(ZoneOffset.UTC);
  }

  @Override
  public String fromNoTable() {
    return " FROM DUAL";
  }

  @Override
  public String deleteOldest(String table, String condition, int limit) {
    return "DELETE FROM " + table + " WHERE " + condition + " ORDER BY id LIMIT " + limit;
  }

  @Override
  public void lockSchemaMigration(Connection connection) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT GET_LOCK(?, 60)")) {
      lock.setString(1, MIGRATION_LOCK);
      try (ResultSet rs = lock.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != 1) {
          throw new SQLException("Timed out after 60 s waiting for the lock " + MIGRATION_LOCK
              + " that another process holds while it creates Loopwork's tables");
        }
      }
    }
  }

  @Override
  public void unlockSchemaMigration(Connection connection) throws SQLException {
    try (PreparedStatement unlock = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
      unlock.setString(1, MIGRATION_LOCK);
      unlock.execute();
    }
  }

  @Override
  public boolean hasSessionLocks() {
    return true;
  }

  /**
   * Names are per server, so they carry a hash of the database's name and a random part: {@code
   * loopwork:<database hash>:<random>}, well within the 64 characters MariaDB allows.
   */
  @Override
  String newSessionLockName(Connection connection) throws SQLException {
    return "loopwork:" + Integer.toHexString(String.valueOf(connection.getCatalog()).hashCode()) + ":"
        + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** A named lock, {@code GET_LOCK}, tried without waiting. */
  @Override
  Boolean tryLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement(
        "SELECT GET_LOCK(?, 0), IS_USED_LOCK(?) = CONNECTION_ID()")) {
      lock.setString(1, name);
      lock.setString(2, name);
      try (ResultSet rs = lock.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1 ? rs.getBoolean(2) : null;
      }
    }
  }

  /** {@code GET_LOCK} with a timeout in whole seconds, then {@code RELEASE_LOCK}. */
  @Override
  public boolean awaitSessionEnd(Connection connection, String name, int timeoutMillis) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT GET_LOCK(?, ?)")) {
      lock.setString(1, name);
      lock.setInt(2, Math.max(1, timeoutMillis / 1000));
      try (ResultSet rs = lock.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != 1) {
          return false;
        }
      }
    }
    try (PreparedStatement unlock = connection.prepareStatement("SELECT RELEASE_LOCK(?)")) {
      unlock.setString(1, name);
      unlock.execute();
    }
    return true;
  }

  @Override
  public String sessionGone(String replica) {
    return replica + ".session_lock IS NOT NULL AND IS_USED_LOCK(" + replica + ".session_lock) IS NULL";
  }

  /**
   * A sleep on the session: the read fails as soon as the session is killed. The server frees a dead client's locks
   * only once its statement ends, so each sleep lasts at most {@value #MAX_SESSION_SLEEP_MILLIS} ms. No releases are
   * announced.
   */
  @Override
  public boolean watchSession(Connection connection, int timeoutMillis) throws SQLException {
    try (PreparedStatement sleep = connection.prepareStatement("DO SLEEP(?)")) {
      sleep.setDouble(1, Math.min(timeoutMillis, MAX_SESSION_SLEEP_MILLIS) / 1000.0);
      sleep.execute();
    }
    return false;
  }

  @Override
  public boolean isDuplicateKey(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && ((SQLException) t).getErrorCode() == DUPLICATE_ENTRY) {
        return true;
      }
    }
    return super.isDuplicateKey(e);
  }
}
