package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MariaDB (and MySQL): no time zone in timestamps (Loopwork stores UTC), {@code FROM DUAL}, {@code
 * DELETE ... LIMIT}, named session locks for migrations and for replicas' liveness, and duplicate
 * keys as error 1062.
 */
final class MariaDbDialect extends Dialect {
  static final MariaDbDialect INSTANCE = new MariaDbDialect();

  private static final String MIGRATION_LOCK = "loopwork_schema_migration";
  private static final int DUPLICATE_ENTRY = 1062;
  private static final int MAX_SESSION_SLEEP_MILLIS = 100;
  private static final int ACCESS_DENIED = 1227;
  private static final long LOCK_TABLES_CACHE_MILLIS = 150;
  private static final Logger LOG = LoggerFactory.getLogger(MariaDbDialect.class);

  private final AtomicBoolean toldNoProcessPrivilege = new AtomicBoolean();

  private MariaDbDialect() {}

  @Override
  public String name() {
    return "MariaDB";
  }

  @Override
  public String nowMillis() {
    // Both parts read the statement's start, as an instant: no detour through the session's time
    // zone, in which
    // the hour that a change from summer time repeats is ambiguous (UNIX_TIMESTAMP(NOW(3)) reads an
    // hour behind).
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
          throw new SQLException(
              "Timed out after 60 s waiting for the lock "
                  + MIGRATION_LOCK
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
    return "loopwork:"
        + Integer.toHexString(String.valueOf(connection.getCatalog()).hashCode())
        + ":"
        + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** A named lock, {@code GET_LOCK}, tried without waiting. */
  @Override
  Boolean tryLock(Connection connection, String name) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT GET_LOCK(?, 0), IS_USED_LOCK(?) = CONNECTION_ID()")) {
      lock.setString(1, name);
      lock.setString(2, name);
      try (ResultSet rs = lock.executeQuery()) {
        return rs.next() && rs.getInt(1) == 1 ? rs.getBoolean(2) : null;
      }
    }
  }

  /** {@code GET_LOCK} with a timeout in whole seconds, then {@code RELEASE_LOCK}. */
  @Override
  public boolean awaitSessionEnd(Connection connection, String name, int timeoutMillis)
      throws SQLException {
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

  /**
   * Under InnoDB's default {@code REPEATABLE READ} an {@code UPDATE} that scans waits for every
   * locked row it meets; under {@code READ COMMITTED}, set here for the next transaction only, it
   * reads a locked row's committed version and waits only if that matches (a semi-consistent read).
   */
  @Override
  public void skipOthersLockedRows(Connection connection) throws SQLException {
    try (Statement isolation = connection.createStatement()) {
      isolation.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }
  }

  /**
   * InnoDB shows which transaction holds a row lock only while another one waits for it: a second
   * session waits on the row ({@code FOR UPDATE WAIT 1}) while this one reads the wait from {@code
   * information_schema.INNODB_LOCK_WAITS} and ends a blocker that has slept for longer than {@code
   * idleMillis} with {@code KILL CONNECTION}. Reading the waits needs the {@code PROCESS}
   * privilege; without it the locker is left be (logged once). Killing a session of the same user
   * needs no more.
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
    try (PreparedStatement expired =
        connection.prepareStatement(
            "SELECT 1 FROM " + table + " WHERE " + keyColumn + " = ? AND expires_ms <= " + now)) {
      expired.setString(1, key);
      try (ResultSet rs = expired.executeQuery()) {
        if (!rs.next()) {
          return List.of();
        }
      }
    }
    try (Connection waiter = sessions.getConnection()) {
      long waiterId = connectionId(waiter);
      CompletableFuture<Void> wait = waitOnRow(waiter, table, keyColumn, key);
      try {
        return killIdleBlockers(connection, waiterId, idleMillis, wait);
      } finally {
        awaitQuietly(wait);
      }
    }
  }

  private static long connectionId(Connection connection) throws SQLException {
    try (PreparedStatement id = connection.prepareStatement("SELECT CONNECTION_ID()");
        ResultSet rs = id.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Waits, on a thread of its own, up to one second for the row lock, and lets it go. */
  private static CompletableFuture<Void> waitOnRow(
      Connection waiter, String table, String keyColumn, String key) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                waiter.setAutoCommit(false);
                try (PreparedStatement lock =
                    waiter.prepareStatement(
                        "SELECT 1 FROM "
                            + table
                            + " WHERE "
                            + keyColumn
                            + " = ? FOR UPDATE WAIT 1")) {
                  lock.setString(1, key);
                  lock.executeQuery().close();
                } finally {
                  waiter.rollback();
                  waiter.setAutoCommit(true);
                }
              } catch (SQLException e) {
                // A lock wait timeout, or the waiter's session lost: either way the probe is over.
              } finally {
                done.complete(null);
              }
            },
            "loopwork-row-lock-probe");
    thread.setDaemon(true);
    thread.start();
    return done;
  }

  private List<Long> killIdleBlockers(
      Connection connection, long waiterId, long idleMillis, CompletableFuture<Void> wait)
      throws SQLException {
    List<Long> killed = new ArrayList<>();
    try (PreparedStatement blockers =
        connection.prepareStatement(
            "SELECT DISTINCT b.trx_mysql_thread_id FROM "
                + "information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX r ON r.trx_id = "
                + "w.requesting_trx_id JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id JOIN "
                + "information_schema.PROCESSLIST p ON p.ID = b.trx_mysql_thread_id WHERE r.trx_mysql_thread_id = ? AND "
                + "p.COMMAND = 'Sleep' AND p.TIME_MS > ?")) {
      blockers.setLong(1, waiterId);
      blockers.setLong(2, idleMillis);
      while (killed.isEmpty() && !wait.isDone()) {
        // InnoDB serves these tables from a cache that it refreshes only after 100 ms without a
        // read.
        if (probeEndsWithin(wait, LOCK_TABLES_CACHE_MILLIS)) {
          break;
        }
        try (ResultSet rs = blockers.executeQuery()) {
          while (rs.next()) {
            killed.add(rs.getLong(1));
          }
        }
      }
    } catch (SQLException e) {
      if (e.getErrorCode() != ACCESS_DENIED) {
        throw e;
      }
      if (toldNoProcessPrivilege.compareAndSet(false, true)) {
        LOG.warn(
            "Cannot find the session of a stalled fenced transaction: reading information_schema.INNODB_TRX "
                + "needs the PROCESS privilege, so a take-over waits until the stalled process wakes up ({})",
            e.getMessage());
      }
      return List.of();
    }
    for (long session : killed) {
      try (Statement kill = connection.createStatement()) {
        kill.execute("KILL CONNECTION " + session);
      }
    }
    return killed;
  }

  /** Whether the probe ends within {@code millis}: then there is no wait left to read. */
  private static boolean probeEndsWithin(CompletableFuture<Void> wait, long millis) {
    try {
      wait.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (ExecutionException e) {
      return true;
    }
  }

  private static void awaitQuietly(CompletableFuture<Void> wait) {
    try {
      wait.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The probe thread ends on its own once its statement does.
    }
  }

  @Override
  public String sessionGone(String replica) {
    return replica
        + ".session_lock IS NOT NULL AND IS_USED_LOCK("
        + replica
        + ".session_lock) IS NULL";
  }

  /**
   * A sleep on the session: the read fails as soon as the session is killed. The server frees a
   * dead client's locks only once its statement ends, so each sleep lasts at most {@value
   * #MAX_SESSION_SLEEP_MILLIS} ms. No releases are announced.
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
