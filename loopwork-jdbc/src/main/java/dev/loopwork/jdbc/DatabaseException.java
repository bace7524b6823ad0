package dev.loopwork.jdbc;

import dev.loopwork.LoopworkException;

/**
 * A database operation of Loopwork failed. The message names the operation and the database (its URL without
 * credentials); the cause is the driver's exception.
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
}
