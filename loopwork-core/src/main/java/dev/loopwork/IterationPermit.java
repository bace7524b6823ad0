package dev.loopwork;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link LoopCoordinator}'s answer for one due iteration: run it with a fencing token, skip it, or wait a while
 * and ask again.
 *
 * <ul>
 *   <li>{@link #granted(long)}: the iteration runs; {@code runOnce} can read the fencing token through {@link
 *       LoopService#fencingToken()} and pass it along with its writes so that a stale owner's writes can be told
 *       apart and refused.
 *   <li>{@link #denied()}: another process runs this service; the iteration is skipped, is not counted as a run,
 *       and the service keeps its schedule (it asks again one interval later).
 *   <li>{@link #deferred(Duration)}: the service may run here, but not yet, typically because its previous owner
 *       started an iteration less than one interval ago; the engine asks again after the delay, which makes the
 *       schedule survive a change of owner.
 * </ul>
 *
 * <p>Immutable.
 */
public final class IterationPermit {
  private static final IterationPermit DENIED = new IterationPermit(false, 0, Duration.ZERO);

  private final boolean granted;
  private final long fencingToken;
  private final Duration deferral;

  private IterationPermit(boolean granted, long fencingToken, Duration deferral) {
    this.granted = granted;
    this.fencingToken = fencingToken;
    this.deferral = deferral;
  }

  /** The iteration runs here, under {@code fencingToken}, which grows with every change of owner. */
  public static IterationPermit granted(long fencingToken) {
    return new IterationPermit(true, fencingToken, Duration.ZERO);
  }

  /** The iteration is skipped here; the schedule goes on. */
  public static IterationPermit denied() {
    return DENIED;
  }

  /**
   * Nothing runs now; the engine asks again after {@code delay}.
   *
   * @throws IllegalArgumentException if {@code delay} is not positive
   */
  public static IterationPermit deferred(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("delay must be positive: " + delay);
    }
    return new IterationPermit(false, 0, delay);
  }

  /** Whether the iteration may run now. */
  public boolean isGranted() {
    return granted;
  }

  /**
   * The fencing token of a granted iteration.
   *
   * @throws IllegalStateException if the permit is not a grant
   */
  public long fencingToken() {
    if (!granted) {
      throw new IllegalStateException("A permit that is not granted has no fencing token: " + this);
    }
    return fencingToken;
  }

  /** How long to wait before asking again: positive for a deferral, zero otherwise. */
  public Duration deferral() {
    return deferral;
  }

  @Override
  public String toString() {
    if (granted) {
      return "IterationPermit[granted, fencingToken=" + fencingToken + "]";
    }
    return deferral.isZero() ? "IterationPermit[denied]" : "IterationPermit[deferred " + deferral + "]";
  }
}
