package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs statements as one transaction on a connection that is otherwise in auto-commit mode. */
final class Transactions {
  private Transactions() {}

  /** The statements of one transaction. */
  interface Body {
    void run() throws SQLException;
  }

  /** Runs {@code body} in one transaction of {@code connection}: committed if it returns, rolled back if it throws. */
  static void run(Connection connection, Body body) throws SQLException {
    connection.setAutoCommit(false);
    try {
      body.run();
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }
}
