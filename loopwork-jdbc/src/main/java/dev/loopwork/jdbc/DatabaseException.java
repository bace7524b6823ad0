package dev.loopwork.jdbc;

import dev.loopwork.LoopworkException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * A database operation of Loopwork failed. The message names the operation and the database (its
 * URL without credentials); the cause is the driver's exception.
 */
public class DatabaseException extends LoopworkException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception for a failed operation. */
  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates an exception without an underlying driver exception. */
  public DatabaseException(String message) {
    super(message);
  }

  /**
   * Whether {@code error}, or one of its causes, says that no connection to the database could be
   * had or that the connection failed: the database is away or restarting, or ended the session
   * (SQLSTATE class 08, PostgreSQL's 57P01 to 57P03, a pool that timed out waiting for a
   * connection), as opposed to an error of a statement.
   */
  public static boolean isConnectionFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code error} as text, with its SQLSTATE when it has one: {@code "...PSQLException: FATAL: ...
   * [SQLSTATE 57P01]"}.
   */
  static String describe(Throwable error) {
    String text = error.toString();
    return error instanceof SQLException sql && sql.getSQLState() != null
        ? text + " [SQLSTATE " + sql.getSQLState() + "]"
        : text;
  }
}
