package dev.loopwork.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A database of its own for one peer on the PostgreSQL server at {@code -Dloopwork.bench.pg.url}
 * (default {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user {@code
 * -Dloopwork.bench.pg.user}, default {@code postgres}, no password), so that the server's
 * per-database counters hold only that peer's work. Created empty (dropped first if a crashed run
 * left it), dropped on {@link #close()}.
 */
final class PostgresBenchDatabase implements AutoCloseable {
  /** The server's administration database URL. */
  static final String ADMIN_URL =
      System.getProperty("loopwork.bench.pg.url", "jdbc:postgresql://127.0.0.1:5432/postgres");

  static final String USER = System.getProperty("loopwork.bench.pg.user", "postgres");

  final String name;

  private PostgresBenchDatabase(String name) {
    this.name = name;
  }

  /**
   * Creates the empty database {@code name}.
   *
   * @throws IllegalArgumentException if the name is not a plain lower-case identifier
   * @throws SQLException if the server is not reachable; the message says where it was looked for
   */
  static PostgresBenchDatabase create(String name) throws SQLException {
    if (!name.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "database name must be a lower-case identifier: \"" + name + "\"");
    }
    try (Connection admin = admin();
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      s.execute("CREATE DATABASE " + name);
    }
    return new PostgresBenchDatabase(name);
  }

  /** The JDBC URL of this database, with the user, for the replica processes. */
  String url() {
    return ADMIN_URL.substring(0, ADMIN_URL.lastIndexOf('/') + 1) + name + "?user=" + USER;
  }

  /**
   * Transactions the server has finished in this database so far, committed and rolled back (both
   * are work a peer asked of it; ShedLock's failed lock attempts may end in a rollback).
   * PostgreSQL's statistics: a busy session reports its counts at least once a second, an idle one
   * within 10 s.
   */
  long transactions() throws SQLException {
    try (Connection admin = admin();
        Statement clear = admin.createStatement();
        PreparedStatement s =
            admin.prepareStatement(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?")) {
      clear.execute("SELECT pg_stat_clear_snapshot()");
      s.setString(1, name);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("no statistics for database " + name);
        }
        return rs.getLong(1);
      }
    }
  }

  private static Connection admin() throws SQLException {
    try {
      return DriverManager.getConnection(ADMIN_URL, USER, null);
    } catch (SQLException e) {
      throw new SQLException(
          "PostgreSQL is not reachable at "
              + ADMIN_URL
              + " as "
              + USER
              + " (set "
              + "-Dloopwork.bench.pg.url and -Dloopwork.bench.pg.user): "
              + e.getMessage(),
          e);
    }
  }

  /** Drops the database, ending the sessions that still use it. */
  @Override
  public void close() throws SQLException {
    try (Connection admin = admin();
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
}
