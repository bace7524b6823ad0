package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.time.Instant;

/**
 * The real clock; its timers run their actions on the shared worker threads ({@link
 * Workers#shared()}).
 */
public final class SystemClock implements LoopClock {
  /** The one instance. */
  public static final SystemClock INSTANCE = new SystemClock();

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
    return Workers.newTimer(action, 0);
  }

  /**
   * A timer of the shared worker threads, which run it with others due within its leeway on one
   * wake-up.
   */
  @Override
  public Timer newTimer(Runnable action, long leewayNanos) {
    return Workers.newTimer(action, leewayNanos);
  }
}
