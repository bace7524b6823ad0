package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.time.Instant;

/** The real clock, with one shared daemon timer thread for every service of the process. */
public final class SystemClock implements LoopClock {
  /** The one instance. */
  public static final SystemClock INSTANCE = new SystemClock();

  private final TimerQueue timers = new TimerQueue("loopwork-timer");

  private SystemClock() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public Timer newTimer(Runnable action) {
    return timers.newTimer(action);
  }
}
