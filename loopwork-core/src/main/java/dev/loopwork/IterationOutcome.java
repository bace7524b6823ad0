package dev.loopwork;

/** How one iteration of a loop service ended. */
public enum IterationOutcome {
  /** {@code runOnce} returned normally within its timeout. */
  SUCCEEDED,
  /** {@code runOnce} threw an exception; the loop goes on (or ends, for a {@link java.lang.Error}). */
  FAILED,
  /** {@code runOnce} ran past the service's iteration timeout and was interrupted; counts as a failure. */
  TIMED_OUT;

  /** Whether this outcome counts as a failure (for back-off and failure counters). */
  public boolean isFailure() {
    return this != SUCCEEDED;
  }
}
