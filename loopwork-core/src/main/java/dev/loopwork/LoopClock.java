package dev.loopwork;

import dev.loopwork.internal.SystemClock;
import java.time.Instant;

/**
 * The source of time for a {@link LoopEngine}: a monotonic reading for schedules, a wall-clock
 * reading for reports, and timers. Inject one to drive loops deterministically in tests (see {@code
 * dev.loopwork.test.ManualClock}).
 *
 * <p>Implementations are thread-safe.
 */
public interface LoopClock {

  /**
   * The system clock: {@link System#nanoTime()}, {@link Instant#now()}, and timers whose actions
   * run on Loopwork's shared worker threads.
   */
  static LoopClock system() {
    return SystemClock.INSTANCE;
  }

  /** A monotonic time in nanoseconds, comparable only with other readings of this clock. */
  long nanoTime();

  /** The current wall-clock time. */
  Instant instant();

  /**
   * A timer that runs {@code action} each time it is armed and its deadline arrives. One timer
   * serves a service for its whole run, so that waiting for the next iteration allocates nothing.
   * The action must be short: it runs on the clock's timer threads.
   */
  Timer newTimer(Runnable action);

  /**
   * As {@link #newTimer(Runnable)}, for a timer whose action may run up to {@code leewayNanos}
   * after its deadline (never before it), so that timers due close together can share one wake-up
   * of the clock's threads. A clock that does not group wake-ups ignores the leeway; this default
   * does.
   *
   * @throws IllegalArgumentException if {@code leewayNanos} is negative
   */
  default Timer newTimer(Runnable action, long leewayNanos) {
    if (leewayNanos < 0) {
      throw new IllegalArgumentException("leewayNanos must not be negative: " + leewayNanos);
    }
    return newTimer(action);
  }

  /**
   * Runs {@code action} once, as soon as {@link #nanoTime()} reaches {@code deadlineNanos}.
   *
   * @return the timer, which can still cancel the action
   */
  default Timer schedule(long deadlineNanos, Runnable action) {
    Timer timer = newTimer(action);
    timer.schedule(deadlineNanos);
    return timer;
  }

  /** A re-armable timer of this clock. Thread-safe. */
  interface Timer {
    /**
     * Arms the timer: its action runs once when the clock reaches {@code deadlineNanos} (at once if
     * it already has). Arming a timer that is already armed moves its deadline.
     */
    void schedule(long deadlineNanos);

    /**
     * Disarms the timer. Returns {@code true} if it was armed and its action now will not run,
     * {@code false} if it was not armed, or its action has already started.
     */
    boolean cancel();
  }
}
