package dev.loopwork;

/**
 * The lifecycle of a {@link LoopService}. A run moves forward through {@code STARTING}, {@code
 * RUNNING} and {@code STOPPING} to {@code STOPPED} or {@code FAILED}; a service in a terminal state
 * may be started again.
 */
public enum LoopState {
  /** Created and never started. */
  NEW,
  /** {@code onStart} is running. */
  STARTING,
  /** Iterating or waiting for the next iteration. */
  RUNNING,
  /** A stop was requested or the last iteration ended; {@code onStop} is running or about to. */
  STOPPING,
  /** The run ended normally. */
  STOPPED,
  /**
   * The run ended because {@code onStart} failed or an iteration threw a {@link java.lang.Error}.
   */
  FAILED;

  /** Whether a service in this state has a run in progress (starting, running or stopping). */
  public boolean isActive() {
    return this == STARTING || this == RUNNING || this == STOPPING;
  }

  /** Whether a run in this state has ended, so that the service may be started again. */
  public boolean isTerminal() {
    return this == STOPPED || this == FAILED;
  }
}
