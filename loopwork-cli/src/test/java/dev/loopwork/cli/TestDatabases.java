package dev.loopwork.cli;

import dev.loopwork.testsupport.RequiredServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Databases for the end-to-end tests: fresh PostgreSQL databases on the server at {@code
 * -Dloopwork.it.pg.url} (default {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user postgres,
 * trust authentication; skipped without one unless {@code CI=true}), fresh MariaDB databases
 * likewise ({@link #freshMariaDb}), and H2 files in auto-server mode, which the test can open while
 * the host has them open.
 */
final class TestDatabases {
  static final String PG_ADMIN_URL =
      System.getProperty("loopwork.it.pg.url", "").isBlank()
          ? "jdbc:postgresql://127.0.0.1:5432/postgres"
          : System.getProperty("loopwork.it.pg.url");
  static final String PG_USER = "postgres";
  static final String MARIADB_SERVER_URL =
      System.getProperty("loopwork.it.mariadb.url", "").isBlank()
          ? "jdbc:mariadb://127.0.0.1:3306/"
          : System.getProperty("loopwork.it.mariadb.url");
  static final String MARIADB_USER = "root";

  private TestDatabases() {}

  /** The URL of a new, empty PostgreSQL database. */
  static String freshPostgres() {
    return fresh(
        PG_ADMIN_URL,
        PG_USER,
        null,
        "PostgreSQL",
        "start it on 127.0.0.1:5432 with trust authentication for postgres, or set "
            + "-Dloopwork.it.pg.url");
  }

  /**
   * The URL of a new, empty MariaDB database on the server at {@code -Dloopwork.it.mariadb.url}
   * (default {@code jdbc:mariadb://127.0.0.1:3306/}, user root without password).
   */
  static String freshMariaDb() {
    return fresh(
        MARIADB_SERVER_URL,
        MARIADB_USER,
        "",
        "MariaDB",
        "start it on 127.0.0.1:3306 with user root and no password, or set "
            + "-Dloopwork.it.mariadb.url");
  }

  /**
   * Creates a database on the server of {@code adminUrl} and returns its URL; without a server the
   * test is skipped with {@code hint} (failed under CI).
   */
  private static String fresh(
      String adminUrl, String user, String password, String product, String hint) {
    String name = "loopwork_cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection admin = DriverManager.getConnection(adminUrl, user, password);
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      RequiredServer.missing(
          product + " is not reachable at " + adminUrl + " (" + e.getMessage() + "); " + hint, e);
    }
    return adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + name;
  }

  /** The URL of an H2 file database in {@code directory}, shared between processes. */
  static String h2File(Path directory) {
    return "jdbc:h2:file:" + directory.toAbsolutePath().resolve("app") + ";AUTO_SERVER=TRUE";
  }

  /** A connection to {@code url} as the test user. */
  static Connection connect(String url) throws SQLException {
    if (url.startsWith("jdbc:postgresql:")) {
      return DriverManager.getConnection(url, PG_USER, null);
    }
    return url.startsWith("jdbc:mariadb:")
        ? DriverManager.getConnection(url, MARIADB_USER, "")
        : DriverManager.getConnection(url);
  }

  /** Runs statements on {@code url}. */
  static void execute(String url, String... statements) throws SQLException {
    try (Connection c = connect(url);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  /** The single number that {@code query} returns. */
  static long count(String url, String query) throws SQLException {
    try (Connection c = connect(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The first column of every row that {@code query} returns, as text. */
  static List<String> strings(String url, String query) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = connect(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
