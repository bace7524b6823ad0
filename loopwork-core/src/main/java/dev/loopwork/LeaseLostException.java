package dev.loopwork;

/**
 * Thrown from a coordinated iteration's work when the right to run the service here was lost before
 * that work was committed, so that it was rolled back: another replica owns the service now. The
 * engine logs its message as one WARN, with no stack trace, ends the iteration as {@link
 * IterationOutcome#LEASE_LOST} and goes on with the loop.
 */
public class LeaseLostException extends LoopworkException {
  private static final long serialVersionUID = 1L;

  /** An exception whose message says which service lost which lease, and to whom. */
  public LeaseLostException(String message) {
    super(message);
  }
}
