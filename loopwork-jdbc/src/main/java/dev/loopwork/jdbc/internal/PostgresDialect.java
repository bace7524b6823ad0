package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** PostgreSQL: transactional DDL, so migrations run under a transaction-scoped advisory lock. */
final class PostgresDialect extends Dialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

  /** The advisory lock key of Loopwork's schema migrations: "loopwork" in ASCII, as a number. */
  private static final long MIGRATION_LOCK_KEY = 0x6c6f6f70776f726bL;

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
}
