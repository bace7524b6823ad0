package dev.loopwork.test;

import dev.loopwork.LoopClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A clock that moves only when told to, for deterministic tests of loop services. Timers fire in
 * deadline order on the thread that calls {@link #advance}, with the clock reading each timer's
 * deadline while it runs.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * LoopEngine engine = LoopTesting.engine(clock);   // iterations run on the advancing thread
 * engine.start(service);                           // first iteration runs now
 * clock.advance(Duration.ofSeconds(30));           // every iteration due in the next 30 s runs
 * }</pre>
 *
 * <p>Its wall-clock reading ({@link #instant()}) moves with its monotonic one ({@link #nanoTime()})
 * as {@link #advance} moves them, and alone with {@link #stepWallClock}, as an NTP step moves a
 * real machine's clock.
 *
 * <p>Thread-safe: tests may advance it from one thread while services read it on others.
 */
public final class ManualClock implements LoopClock {
  /** Where a clock made with {@link #ManualClock()} starts: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final Instant start;
  private final PriorityQueue<PendingTimer> timers = new PriorityQueue<>();
  private long nanos;
  // The sum of the wall-clock steps: instant() is start + nanos + this.
  private Duration wallStep = Duration.ZERO;
  private long sequence;

  /** A clock at {@link #DEFAULT_START}. */
  public ManualClock() {
    this(DEFAULT_START);
  }

  /** A clock whose wall-clock reading starts at {@code start}. */
  public ManualClock(Instant start) {
    this.start = Objects.requireNonNull(start, "start");
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  /**
   * The wall-clock time: the start, plus the time {@link #advance} moved the clock, plus the steps
   * of {@link #stepWallClock}.
   */
  @Override
  public synchronized Instant instant() {
    return start.plus(wallStep).plusNanos(nanos);
  }

  /**
   * Steps the wall clock by {@code step}, forward (positive) or back (negative), as an NTP
   * correction does, without moving the monotonic time: {@link #nanoTime()}, {@link #elapsed()} and
   * the timers stay as they were, and no timer runs. Only what reads {@link #instant()} sees the
   * step.
   *
   * <pre>{@code
   * clock.stepWallClock(Duration.ofMinutes(-5));   // the wall clock goes back five minutes
   * }</pre>
   */
  public synchronized void stepWallClock(Duration step) {
    wallStep = wallStep.plus(Objects.requireNonNull(step, "step"));
  }

  /**
   * How much monotonic time has passed since the clock was made (wall-clock steps do not count).
   */
  public synchronized Duration elapsed() {
    return Duration.ofNanos(nanos);
  }

  /**
   * A timer on this clock. An armed timer whose deadline has already passed runs its action at once
   * on the thread that arms it; otherwise its action runs inside {@link #advance}.
   */
  @Override
  public Timer newTimer(Runnable action) {
    return new PendingTimer(action);
  }

  /**
   * Moves the clock forward by {@code duration}, running every timer that falls due on the way, in
   * deadline order; timers that those actions schedule within the window run too. Returns when the
   * clock reads the new time.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative: " + duration);
    }
    long target;
    synchronized (this) {
      target = nanos + duration.toNanos();
    }
    while (true) {
      PendingTimer next;
      synchronized (this) {
        next = timers.peek();
        if (next == null || next.deadline - target > 0) {
          nanos = Math.max(nanos, target);
          return;
        }
        timers.poll();
        nanos = Math.max(nanos, next.deadline);
      }
      next.action.run();
    }
  }

  /** The number of timers waiting to fire: a waiting loop service holds exactly one. */
  public synchronized int pendingTimers() {
    return timers.size();
  }

  /** How long until the earliest pending timer fires, or empty if none is pending. */
  public synchronized Optional<Duration> untilNextTimer() {
    PendingTimer next = timers.peek();
    return next == null ? Optional.empty() : Optional.of(Duration.ofNanos(next.deadline - nanos));
  }

  @Override
  public String toString() {
    return "ManualClock[" + instant() + "]";
  }

  private final class PendingTimer implements Timer, Comparable<PendingTimer> {
    final Runnable action;
    long deadline;
    long order;

    PendingTimer(Runnable action) {
      this.action = action;
    }

    @Override
    public void schedule(long deadlineNanos) {
      synchronized (ManualClock.this) {
        timers.remove(this);
        if (deadlineNanos - nanos > 0) {
          deadline = deadlineNanos;
          order = sequence++;
          timers.add(this);
          return;
        }
      }
      action.run();
    }

    @Override
    public boolean cancel() {
      synchronized (ManualClock.this) {
        return timers.remove(this);
      }
    }

    @Override
    public int compareTo(PendingTimer other) {
      int byDeadline = Long.compare(deadline - other.deadline, 0);
      return byDeadline != 0 ? byDeadline : Long.compare(order, other.order);
    }
  }
}
