package dev.loopwork;

/** The base of every exception that Loopwork's own API throws. */
public class LoopworkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that names the subject and what went wrong. */
  public LoopworkException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the failure that caused it. */
  public LoopworkException(String message, Throwable cause) {
    super(message, cause);
  }
}
