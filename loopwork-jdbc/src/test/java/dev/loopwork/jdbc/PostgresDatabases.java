package dev.loopwork.jdbc;

import dev.loopwork.testsupport.RequiredServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Fresh PostgreSQL databases for integration tests, on the server at {@code -Dloopwork.it.pg.url}
 * (default {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user {@code postgres}, trust
 * authentication). Without a server the tests are skipped with a message saying how to enable them;
 * with {@code CI=true} they fail instead.
 */
final class PostgresDatabases {
  static final String ADMIN_URL =
      System.getProperty("loopwork.it.pg.url", "jdbc:postgresql://127.0.0.1:5432/postgres");
  static final String USER = System.getProperty("loopwork.it.pg.user", "postgres");

  private PostgresDatabases() {}

  /** A new, empty database; drop it with {@link Fresh#close()}. */
  static Fresh create() {
    String name = "loopwork_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection admin = admin();
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      unavailable(e);
    }
    return new Fresh(ADMIN_URL.substring(0, ADMIN_URL.lastIndexOf('/') + 1) + name, name);
  }

  static Connection admin() throws SQLException {
    return DriverManager.getConnection(ADMIN_URL, USER, null);
  }

  private static void unavailable(SQLException e) {
    String message =
        "PostgreSQL is not reachable at "
            + ADMIN_URL
            + " as "
            + USER
            + " ("
            + e.getMessage()
            + "). "
            + "To run the integration tests, start PostgreSQL on 127.0.0.1:5432 with trust authentication for user "
            + "postgres, or point -Dloopwork.it.pg.url=jdbc:postgresql://host:port/postgres at one.";
    RequiredServer.missing(message, e);
  }

  /** A database made for one test. */
  static final class Fresh implements FreshDatabase {
    final String url;
    final String name;

    Fresh(String url, String name) {
      this.url = url;
      this.name = name;
    }

    @Override
    public Database open() {
      return Database.builder().url(url).user(USER).maximumPoolSize(4).build();
    }

    @Override
    public String url() {
      return url;
    }

    @Override
    public String user() {
      return USER;
    }

    /** Drops the database, ending whatever sessions still use it. */
    @Override
    public void close() throws SQLException {
      try (Connection admin = admin();
          Statement s = admin.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }
}
