package dev.loopwork.spring.boot;

import dev.loopwork.LoopworkException;

/**
 * The application's loop services or their {@code loopwork.*} properties cannot be run as
 * configured.
 */
public class LoopworkConfigurationException extends LoopworkException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message names the service or property and what is wrong with it. */
  public LoopworkConfigurationException(String message) {
    super(message);
  }

  /** Creates an exception with a message and its cause. */
  public LoopworkConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
