package dev.loopwork;

import java.util.Collection;

/**
 * Runs several loop services together under one signal handler, like the reference's {@code
 * run_multiple_services}.
 */
public final class LoopServices {
  private LoopServices() {}

  /**
   * Runs all {@code services} concurrently on the default engine and returns when all have ended;
   * see {@link LoopEngine#runAll(Collection)}.
   *
   * <pre>{@code
   * LoopServices.runAll(List.of(new ExpireSessions(), new MarkLateRuns()));   // until SIGINT/SIGTERM
   * }</pre>
   */
  public static void runAll(Collection<? extends LoopService> services)
      throws InterruptedException {
    LoopEngine.defaultEngine().runAll(services);
  }
}
