package dev.loopwork.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The default executor for iterations: a virtual thread per iteration on Java 21 and later; before that, a pool of
 * daemon threads that grows with the number of iterations running at once and shrinks when they are idle.
 */
public final class Workers {
  private static final ExecutorService VIRTUAL = virtualThreadPerTask();
  private static final ExecutorService SHARED =
      VIRTUAL != null
          ? VIRTUAL
          : new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
              DaemonThreads.named("loopwork-worker"));

  private Workers() {}

  /** The process-wide default executor. */
  public static ExecutorService shared() {
    return SHARED;
  }

  /** Whether the shared executor runs iterations on virtual threads (Java 21 and later). */
  public static boolean usesVirtualThreads() {
    return VIRTUAL != null;
  }

  /** {@code Executors.newVirtualThreadPerTaskExecutor()}, looked up so that the code still runs on Java 17. */
  private static ExecutorService virtualThreadPerTask() {
    if (Runtime.version().feature() < 21) {
      return null;
    }
    try {
      return (ExecutorService) MethodHandles.publicLookup()
          .findStatic(Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
          .invoke();
    } catch (Throwable t) {
      return null;
    }
  }
}
