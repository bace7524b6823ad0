package dev.loopwork.example;

import dev.loopwork.testsupport.RequiredServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test class, on the server at {@code -Dloopwork.it.pg.url}
 * (default the local server, user {@code postgres}, trust authentication). Without a server the
 * test is skipped, unless {@code CI=true}, where it fails.
 */
final class PostgresTestDatabase implements AutoCloseable {
  private static final String ADMIN_URL =
      System.getProperty("loopwork.it.pg.url", "jdbc:postgresql://127.0.0.1:5432/postgres");
  static final String USER = System.getProperty("loopwork.it.pg.user", "postgres");

  final String name;
  final String url;

  private PostgresTestDatabase(String name) {
    this.name = name;
    this.url = ADMIN_URL.substring(0, ADMIN_URL.lastIndexOf('/') + 1) + name;
  }

  /** Creates a database with a new name, or skips the test when no server answers. */
  static PostgresTestDatabase create() {
    return create(
        "loopwork_spring_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
  }

  /**
   * Creates the database {@code name} afresh, dropping what an earlier run left there: for a test
   * whose application context outlives the test class in Spring's context cache, so that the
   * database cannot be dropped at its end.
   */
  static PostgresTestDatabase create(String name) {
    PostgresTestDatabase database = new PostgresTestDatabase(name);
    try {
      database.close();
      database.admin("CREATE DATABASE " + database.name);
    } catch (SQLException e) {
      String message =
          "PostgreSQL is not reachable at "
              + ADMIN_URL
              + " ("
              + e.getMessage()
              + "); start it on "
              + "127.0.0.1:5432 with trust authentication for user postgres, or set -Dloopwork.it.pg.url";
      RequiredServer.missing(message, e);
    }
    return database;
  }

  /** Drops the database and ends the sessions still on it. */
  @Override
  public void close() throws SQLException {
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(ADMIN_URL, USER, null);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
