package dev.loopwork;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The arithmetic of a fixed-interval schedule: when the next iteration is due after one ran, after
 * a denial, and with jitter. It reads only the clock readings it is given (nanoseconds of the
 * monotonic clock), so its rules are tested without threads; {@link LoopRun} keeps the lifecycle
 * and the due time. Immutable: the runs of services with the same interval and options share one
 * (see {@link LoopOptions#fixedInterval}).
 *
 * <p>The rules: the next iteration is due one interval after the previous one was due (no drift);
 * slots that a late start passed are skipped, keeping the phase (no catch-up burst); after an
 * overrun the next iteration starts at once; after failures with back-off, no sooner than the
 * back-off delay after the start.
 */
final class FixedInterval {
  /**
   * How soon a zero-interval service asks its coordinator again after a denial, instead of asking
   * in a spin.
   */
  static final Duration ZERO_INTERVAL_DENIAL_RETRY = Duration.ofMillis(100);

  /**
   * How late, at most, a wake-up may come so that services due close together share one (see {@link
   * LoopClock#newTimer(Runnable, long)}): a thousandth of the interval, never more than this. A 1 s
   * service may start up to 1 ms late; its schedule stays on its grid, since the next start counts
   * from the due time.
   */
  static final long MAX_WAKE_LEEWAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  final long intervalNanos;
  private final long jitterNanos;
  private final long backoffInitialNanos;
  private final long backoffMaxNanos;

  FixedInterval(long intervalNanos, LoopOptions options) {
    this.intervalNanos = intervalNanos;
    this.jitterNanos = options.jitterNanos;
    this.backoffInitialNanos = options.backoffInitialNanos;
    this.backoffMaxNanos = options.backoffMaxNanos;
  }

  /** How late a wake-up may come, to share it with services due close by. */
  long wakeLeewayNanos() {
    return Math.min(intervalNanos / 1000, MAX_WAKE_LEEWAY_NANOS);
  }

  /** When to wake up for an iteration due at {@code due}: up to the jitter later. */
  long wakeAt(long due, RandomGenerator random) {
    return jitterNanos == 0 ? due : due + random.nextLong(jitterNanos + 1);
  }

  /** Whether an iteration that took {@code took} ran longer than the interval. */
  boolean isOverrun(long took) {
    return intervalNanos > 0 && took > intervalNanos;
  }

  /**
   * The next due time after an iteration due at {@code due} that started at {@code start} and ended
   * at {@code end}: one interval after {@code due}; after a wake-up so late that it passed that
   * time, the first slot of the same grid after the start; after an overrun, {@code end}; after
   * {@code consecutiveFailures} failures (the last one this iteration, when {@code failed}) with
   * back-off, no sooner than the back-off delay after the start.
   */
  long nextDue(long due, long start, long end, boolean failed, int consecutiveFailures) {
    long next = due + intervalNanos;
    if (intervalNanos > 0 && start - next >= 0) {
      next = due + ((start - due) / intervalNanos + 1) * intervalNanos;
    }
    if (failed && backoffInitialNanos > 0) {
      long backoff = backoffNanos(consecutiveFailures);
      if (start + backoff - next > 0) {
        next = start + backoff;
      }
    }
    return end - next > 0 ? end : next;
  }

  /**
   * The next due time after the iteration due at {@code due} was denied at {@code now}: the
   * schedule goes on as if it had run on time (the next slot, or one interval from now if that has
   * passed); a zero interval asks again after {@link #ZERO_INTERVAL_DENIAL_RETRY}.
   */
  long afterDenial(long due, long now) {
    if (intervalNanos == 0) {
      return now + ZERO_INTERVAL_DENIAL_RETRY.toNanos();
    }
    long next = due + intervalNanos;
    return now - next >= 0 ? now + intervalNanos : next;
  }

  /** The back-off delay after {@code failures} consecutive failures: doubling, at most the max. */
  long backoffNanos(int failures) {
    long delay = backoffInitialNanos;
    for (int i = 1; i < failures && delay < backoffMaxNanos; i++) {
      delay = delay > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : delay * 2;
    }
    return Math.min(delay, backoffMaxNanos);
  }
}
