package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An SQL script as Loopwork prints it (statements ending with ";" at a line's end, "--" comments),
 * run on JDBC.
 */
final class SqlScript {
  private SqlScript() {}

  /**
   * Runs {@code script} on {@code connection}, one statement at a time, as a driver that takes one
   * would.
   */
  static void run(Connection connection, String script) throws SQLException {
    try (Statement s = connection.createStatement()) {
      for (String statement : script.split(";\n")) {
        String sql =
            statement
                .lines()
                .filter(l -> !l.startsWith("--"))
                .reduce("", (a, b) -> a + b + "\n")
                .trim();
        if (!sql.isEmpty()) {
          s.execute(sql);
        }
      }
    }
  }
}
