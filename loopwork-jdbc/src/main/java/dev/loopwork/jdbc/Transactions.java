package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs statements as one transaction on a connection that is otherwise in auto-commit mode: the one
 * transaction template of the project. The first exception is the one thrown: a failure of the
 * rollback, or of restoring auto-commit, is attached to it as suppressed (a connection that died
 * fails all three, and its own error is the one that says why).
 */
final class Transactions {
  private Transactions() {}

  /** The statements of one transaction. */
  interface Body {
    void run() throws SQLException;
  }

  /** The statements of one transaction, with a result. */
  interface Work<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code body} in one transaction of {@code connection}: committed if it returns, rolled
   * back if it throws.
   */
  static void run(Connection connection, Body body) throws SQLException {
    call(
        connection,
        () -> {
          body.run();
          return null;
        });
  }

  /** As {@link #run}, returning what {@code work} returns. */
  static <T> T call(Connection connection, Work<T> work) throws SQLException {
    connection.setAutoCommit(false);
    Throwable failure = null;
    try {
      T result = work.run();
      connection.commit();
      return result;
    } catch (Throwable e) {
      failure = e;
      rollback(connection, e);
      throw e;
    } finally {
      restoreAutoCommit(connection, failure);
    }
  }

  private static void rollback(Connection connection, Throwable failure) {
    try {
      connection.rollback();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void restoreAutoCommit(Connection connection, Throwable failure)
      throws SQLException {
    release(failure, () -> connection.setAutoCommit(true));
  }

  /**
   * Runs {@code release}, which gives back what an operation took, after that operation ended with
   * {@code failure} ({@code null}: it succeeded): an exception of the release is attached to the
   * failure, or thrown if there is none.
   */
  static void release(Throwable failure, Body release) throws SQLException {
    try {
      release.run();
    } catch (SQLException | RuntimeException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }
}
