package dev.loopwork.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread factories for Loopwork's own threads: daemons, so they never keep a JVM alive, with
 * telling names.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads named {@code prefix}, {@code prefix-2}, ... */
  public static ThreadFactory named(String prefix) {
    AtomicLong count = new AtomicLong();
    return task -> {
      long n = count.incrementAndGet();
      Thread thread = new Thread(task, n == 1 ? prefix : prefix + "-" + n);
      thread.setDaemon(true);
      return thread;
    };
  }
}
