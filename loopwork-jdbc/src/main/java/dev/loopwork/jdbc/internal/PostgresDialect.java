package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL: transactional DDL, so migrations run under a transaction-scoped advisory lock; lease releases are
 * announced with {@code NOTIFY} on the channel {@value #RELEASE_CHANNEL}.
 */
final class PostgresDialect extends Dialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

  /** The advisory lock key of Loopwork's schema migrations: "loopwork" in ASCII, as a number. */
  private static final long MIGRATION_LOCK_KEY = 0x6c6f6f70776f726bL;

  /** The notification channel of lease releases. */
  static final String RELEASE_CHANNEL = "loopwork_lease_released";

  private PostgresDialect() {}

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
  public void announceRelease(Connection connection, String service) throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
      notify.setString(1, RELEASE_CHANNEL);
      notify.setString(2, service);
      notify.execute();
    }
  }

  @Override
  public boolean announcesReleases() {
    return true;
  }

  @Override
  public void listenForReleases(Connection connection) throws SQLException {
    try (Statement listen = connection.createStatement()) {
      listen.execute("LISTEN " + RELEASE_CHANNEL);
    }
  }

  @Override
  public boolean awaitReleases(Connection connection, int timeoutMillis) throws SQLException {
    PGNotification[] notifications = connection.unwrap(PGConnection.class).getNotifications(timeoutMillis);
    return notifications != null && notifications.length > 0;
  }
}
