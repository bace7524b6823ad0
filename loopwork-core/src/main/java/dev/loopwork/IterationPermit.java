package dev.loopwork;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link LoopCoordinator}'s answer for one due iteration: run it with a fencing token, leave it
 * to another process, skip it on purpose, or wait a while and ask again.
 *
 * <ul>
 *   <li>{@link #granted(long)}: the iteration runs; {@code runOnce} can read the fencing token
 *       through {@link LoopService#fencingToken()} and pass it along with its writes so that a
 *       stale owner's writes can be told apart and refused.
 *   <li>{@link #denied()}: another process runs this service; the iteration is skipped, is not
 *       counted as a run, and the service keeps its schedule (it asks again one interval later).
 *       Nothing is reported: the process that runs it reports it.
 *   <li>{@link #skipped(String)}: the iteration would run here, but is held back on purpose (the
 *       service is paused, say). It is skipped as after a denial, and reported to the listeners
 *       ({@link LoopListener#onIterationSkipped}) with the reason.
 *   <li>{@link #deferred(Duration)}: the service may run here, but not yet, typically because its
 *       previous owner started an iteration less than one interval ago; the engine asks again after
 *       the delay, which makes the schedule survive a change of owner.
 * </ul>
 *
 * <p>A grant can be {@linkplain #revoke() revoked} while its iteration runs, by a coordinator that
 * has lost the right to run the service here: the iteration's thread is interrupted and the loop
 * goes on (an interrupt from anywhere else asks the loop to stop). Otherwise immutable;
 * thread-safe.
 */
public final class IterationPermit {
  private static final IterationPermit DENIED =
      new IterationPermit(false, false, 0, Duration.ZERO, null, null);

  private final boolean granted;
  private final boolean tokened;
  private final long fencingToken;
  private final Duration deferral;
  // The thread that asked for a grant (the engine asks on the thread that then runs the iteration);
  // null otherwise.
  private final Thread thread;
  // Why a skip on purpose is one; null for any other permit.
  private final String skipReason;
  private volatile boolean revoked;

  private IterationPermit(
      boolean granted,
      boolean tokened,
      long fencingToken,
      Duration deferral,
      Thread thread,
      String skipReason) {
    this.granted = granted;
    this.tokened = tokened;
    this.fencingToken = fencingToken;
    this.deferral = deferral;
    this.thread = thread;
    this.skipReason = skipReason;
  }

  /**
   * The iteration runs here, under {@code fencingToken}, which grows with every change of owner.
   * Call it on the thread that will run the iteration, as the engine does with {@link
   * LoopCoordinator.Membership#permit()}: that is the thread {@link #revoke()} interrupts.
   */
  public static IterationPermit granted(long fencingToken) {
    return new IterationPermit(
        true, true, fencingToken, Duration.ZERO, Thread.currentThread(), null);
  }

  /**
   * The iteration runs here outside any lease (a service that runs on every replica): it has no
   * fencing token, so {@link LoopService#fencingToken()} is empty while it runs. Call it on the
   * thread that will run the iteration, as for {@link #granted(long)}.
   */
  public static IterationPermit grantedWithoutToken() {
    return new IterationPermit(true, false, 0, Duration.ZERO, Thread.currentThread(), null);
  }

  /**
   * The iteration is skipped here, because it runs in another process (or nowhere, for now); the
   * schedule goes on, and nothing is reported.
   */
  public static IterationPermit denied() {
    return DENIED;
  }

  /**
   * The iteration would run here but is skipped on purpose, for {@code reason} (such as {@code
   * "paused"}): the schedule goes on as after a {@linkplain #denied() denial}, and the engine
   * reports the skip to its listeners ({@link LoopListener#onIterationSkipped}). Answer it only
   * where the iteration would otherwise run (the lease holder, or a process on its own), so that a
   * fleet reports each skipped iteration once; a standby answers {@link #denied()} or a deferral.
   * The coordinator's {@code askAgain} (see {@link LoopCoordinator#join(LoopService, Duration,
   * Runnable)}) ends the wait that follows a skip, as it ends a deferral's: so a resumed service
   * runs the iteration it skipped at once, and its schedule goes on from there. A zero-interval
   * service is asked again 100 ms after a skip, as after a denial.
   *
   * @throws IllegalArgumentException if {@code reason} is blank
   */
  public static IterationPermit skipped(String reason) {
    Objects.requireNonNull(reason, "reason");
    if (reason.isBlank()) {
      throw new IllegalArgumentException("reason must not be blank: \"" + reason + "\"");
    }
    return new IterationPermit(false, false, 0, Duration.ZERO, null, reason);
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
    return new IterationPermit(false, false, 0, delay, null, null);
  }

  /** Whether the iteration may run now. */
  public boolean isGranted() {
    return granted;
  }

  /**
   * Whether this is a {@linkplain #skipped(String) skip on purpose}, with a {@link #skipReason()}.
   */
  public boolean isSkipped() {
    return skipReason != null;
  }

  /**
   * Why the iteration is skipped on purpose.
   *
   * @throws IllegalStateException if the permit is not a {@linkplain #skipped(String) skip}
   */
  public String skipReason() {
    if (skipReason == null) {
      throw new IllegalStateException("A permit that is not a skip has no reason: " + this);
    }
    return skipReason;
  }

  /** Whether this is a grant under a lease, with a {@link #fencingToken()}. */
  public boolean hasFencingToken() {
    return tokened;
  }

  /**
   * The fencing token of a granted iteration; 0 for a grant {@linkplain #grantedWithoutToken()
   * without a token}.
   *
   * @throws IllegalStateException if the permit is not a grant
   */
  public long fencingToken() {
    if (!granted) {
      throw new IllegalStateException("A permit that is not granted has no fencing token: " + this);
    }
    return fencingToken;
  }

  /**
   * Withdraws a grant whose iteration may still run: interrupts the thread that asked for it, and
   * the engine, seeing the interrupt came from here, logs it and goes on with the loop instead of
   * stopping it. The iteration should end promptly on the interrupt; one that ignores it runs on,
   * and its writes must then be refused by their fencing token. Does nothing to a permit that is
   * not a grant.
   */
  public void revoke() {
    if (granted && !revoked) {
      revoked = true;
      thread.interrupt();
    }
  }

  /** Whether {@link #revoke()} withdrew this grant. */
  public boolean isRevoked() {
    return revoked;
  }

  /** How long to wait before asking again: positive for a deferral, zero otherwise. */
  public Duration deferral() {
    return deferral;
  }

  @Override
  public String toString() {
    if (granted) {
      return tokened
          ? "IterationPermit[granted, fencingToken=" + fencingToken + "]"
          : "IterationPermit[granted without a fencing token]";
    }
    if (skipReason != null) {
      return "IterationPermit[skipped: " + skipReason + "]";
    }
    return deferral.isZero()
        ? "IterationPermit[denied]"
        : "IterationPermit[deferred " + deferral + "]";
  }
}
