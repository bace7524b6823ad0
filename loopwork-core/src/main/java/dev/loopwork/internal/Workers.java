package dev.loopwork.internal;

import java.util.concurrent.Executor;

/** The process-wide default executor for iterations and hooks; see {@link ElasticPool}. */
public final class Workers {
  private static final Executor SHARED =
      new ElasticPool(Math.max(2, Runtime.getRuntime().availableProcessors()), SystemClock.INSTANCE);

  private Workers() {}

  /** The process-wide default executor. */
  public static Executor shared() {
    return SHARED;
  }
}
