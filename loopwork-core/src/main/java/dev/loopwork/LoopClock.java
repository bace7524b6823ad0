package dev.loopwork;

import dev.loopwork.internal.SystemClock;
import java.time.Instant;

/**
 * The source of time for a {@link LoopEngine}: a monotonic reading for schedules, a wall-clock reading for reports,
 * and timers. Inject one to drive loops deterministically in tests (see {@code dev.loopwork.test.ManualClock}).
 *
 * <p>Implementations are thread-safe.
 */
public interface LoopClock {

  /** The system clock: {@link System#nanoTime()}, {@link Instant#now()} and one shared timer thread. */
  static LoopClock system() {
    return SystemClock.INSTANCE;
  }

  /** A monotonic time in nanoseconds, comparable only with other readings of this clock. */
  long nanoTime();

  /** The current wall-clock time. */
  Instant instant();

  /**
   * Runs {@code action} once, as soon as {@link #nanoTime()} reaches {@code deadlineNanos} (at once if it already
   * has). The action must be short: it runs on the clock's timer thread.
   *
   * @return a handle that cancels the action if it has not started
   */
  Timer schedule(long deadlineNanos, Runnable action);

  /** A scheduled action that can still be cancelled. */
  interface Timer {
    /**
     * Cancels the action. Returns {@code true} if the action had not started and now never will, {@code false} if
     * it has already run, is running, or was cancelled before.
     */
    boolean cancel();
  }
}
