package dev.loopwork.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiFunction;

/** The periodic tasks an executor-based peer has scheduled, and how to stop them all and wait. */
final class PeriodicTasks {
  /** The period used for a zero interval: {@code scheduleAtFixedRate} rejects a period of zero. */
  static final Duration SMALLEST_PERIOD = Duration.ofNanos(1);

  static final String SMALLEST_PERIOD_NOTE =
      "zero interval run as the smallest period accepted, 1 ns";

  private final List<ScheduledFuture<?>> futures = new ArrayList<>();
  private final List<StoppableBody> bodies = new ArrayList<>();

  /**
   * Schedules every body with {@code schedule(task, period)}; a zero interval becomes {@link
   * #SMALLEST_PERIOD}.
   */
  void scheduleAll(
      List<Runnable> newBodies,
      Duration interval,
      BiFunction<Runnable, Duration, ScheduledFuture<?>> schedule) {
    Duration period = interval.isZero() ? SMALLEST_PERIOD : interval;
    for (Runnable body : newBodies) {
      StoppableBody stoppable = new StoppableBody(body);
      bodies.add(stoppable);
      futures.add(schedule.apply(stoppable, period));
    }
  }

  /** Cancels every task, then waits for runs in progress. */
  void stopAll() {
    futures.forEach(f -> f.cancel(false));
    bodies.forEach(StoppableBody::stop);
    futures.clear();
    bodies.clear();
  }
}
