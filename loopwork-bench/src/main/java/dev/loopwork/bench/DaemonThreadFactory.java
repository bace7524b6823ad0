package dev.loopwork.bench;

import java.util.concurrent.ThreadFactory;

/**
 * Daemon threads with one name, for the peers' schedulers: they never keep a benchmark JVM alive.
 */
final class DaemonThreadFactory implements ThreadFactory {
  private final String name;

  DaemonThreadFactory(String name) {
    this.name = name;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }
}
