package dev.loopwork;

/** How one iteration of a loop service ended. */
public enum IterationOutcome {
  /** {@code runOnce} returned normally within its timeout. */
  SUCCEEDED,
  /**
   * {@code runOnce} threw an exception; the loop goes on (or ends, for a {@link java.lang.Error}).
   */
  FAILED,
  /**
   * {@code runOnce} ran past the service's iteration timeout and was interrupted; counts as a
   * failure.
   */
  TIMED_OUT,
  /**
   * The coordinator's right to run the iteration here was lost while it ran: its coordinator
   * revoked the permit, or its work threw a {@link LeaseLostException} (a fenced transaction found
   * the lease gone and rolled back). Not a failure of the service: no back-off, and the failure
   * count stays as it was.
   */
  LEASE_LOST;

  /** Whether this outcome counts as a failure (for back-off and failure counters). */
  public boolean isFailure() {
    return this == FAILED || this == TIMED_OUT;
  }
}
