package dev.loopwork.test;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopListener;

/** Engines for deterministic tests of loop services. */
public final class LoopTesting {
  private LoopTesting() {}

  /**
   * An engine on {@code clock} that runs hooks and iterations on the calling thread: {@code
   * engine.start(service)} runs {@code onStart} and the first iteration before it returns, and
   * {@link ManualClock#advance} runs every iteration that falls due. Nothing runs in the
   * background, so a test needs no waiting at all.
   */
  public static LoopEngine engine(ManualClock clock, LoopListener... listeners) {
    LoopEngine.Builder builder = LoopEngine.builder().clock(clock).executor(Runnable::run);
    for (LoopListener listener : listeners) {
      builder.listener(listener);
    }
    return builder.build();
  }
}
