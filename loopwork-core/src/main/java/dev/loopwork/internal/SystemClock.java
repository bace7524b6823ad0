package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The real clock, with one shared daemon timer thread for every service of the process. */
public final class SystemClock implements LoopClock {
  /** The one instance. */
  public static final SystemClock INSTANCE = new SystemClock();

  private final ScheduledThreadPoolExecutor timer;

  private SystemClock() {
    timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("loopwork-timer"));
    // Stopping 100,000 services cancels 100,000 timers: they must leave the queue at once.
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public Timer schedule(long deadlineNanos, Runnable action) {
    ScheduledFuture<?> future = timer.schedule(action, deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }
}
