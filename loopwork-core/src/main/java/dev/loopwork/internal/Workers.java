package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.util.concurrent.Executor;

/**
 * The process-wide default executor for iterations and hooks, whose threads also run the system
 * clock's timers.
 */
public final class Workers {
  private static final WorkerPool SHARED =
      new WorkerPool(Math.max(2, Runtime.getRuntime().availableProcessors()), "loopwork");

  private Workers() {}

  /** The process-wide default executor; see {@link WorkerPool}. */
  public static Executor shared() {
    return SHARED;
  }

  /**
   * Whether {@code executor} is the process-wide default one, whose threads run only Loopwork's
   * tasks.
   */
  public static boolean isShared(Executor executor) {
    return executor == SHARED;
  }

  /**
   * Whether {@code clock}'s timer actions run on {@code executor}'s threads, so that an action may
   * do the work it would otherwise hand to {@code executor} itself, without a thread switch.
   */
  public static boolean runsTimersOn(LoopClock clock, Executor executor) {
    return clock == SystemClock.INSTANCE && isShared(executor);
  }

  static LoopClock.Timer newTimer(Runnable action, long leewayNanos) {
    return SHARED.newTimer(action, leewayNanos);
  }
}
