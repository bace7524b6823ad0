package dev.loopwork.jdbc;

import dev.loopwork.testsupport.RequiredServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Fresh MariaDB databases for integration tests, on the server at {@code -Dloopwork.it.mariadb.url}
 * (default {@code jdbc:mariadb://127.0.0.1:3306/}, user {@code root} without password). Without a
 * server the tests are skipped with a message saying how to enable them; with {@code CI=true} they
 * fail instead.
 */
final class MariaDbDatabases {
  static final String SERVER_URL =
      System.getProperty("loopwork.it.mariadb.url", "jdbc:mariadb://127.0.0.1:3306/");
  static final String USER = System.getProperty("loopwork.it.mariadb.user", "root");

  private MariaDbDatabases() {}

  /** A new, empty database; drop it with {@link Fresh#close()}. */
  static Fresh create() {
    String name = "loopwork_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection admin = DriverManager.getConnection(SERVER_URL, USER, "");
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      RequiredServer.missing(
          "MariaDB is not reachable at "
              + SERVER_URL
              + " as "
              + USER
              + " ("
              + e.getMessage()
              + "). To run the MariaDB integration tests, start MariaDB on 127.0.0.1:3306 with user root and no "
              + "password, or point -Dloopwork.it.mariadb.url=jdbc:mariadb://host:port/ at one.",
          e);
    }
    return new Fresh(name);
  }

  /** A database made for one test class. */
  static final class Fresh implements FreshDatabase {
    final String name;

    Fresh(String name) {
      this.name = name;
    }

    @Override
    public Database open() {
      return Database.builder()
          .url(SERVER_URL + name)
          .user(USER)
          .password("")
          .maximumPoolSize(4)
          .build();
    }

    @Override
    public String url() {
      return SERVER_URL + name;
    }

    @Override
    public String user() {
      return USER;
    }

    @Override
    public void close() throws SQLException {
      try (Connection admin = DriverManager.getConnection(SERVER_URL, USER, "");
          Statement s = admin.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name);
      }
    }
  }
}
