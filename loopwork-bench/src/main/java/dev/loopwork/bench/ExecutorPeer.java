package dev.loopwork.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A plain shared {@link ScheduledThreadPoolExecutor} with one thread per core, every service a
 * {@code scheduleAtFixedRate} task on it, cancelled tasks removed at once. Stop cancels every task
 * and waits for a run in progress ({@link StoppableBody}); the pool lives on, as a shared pool
 * would.
 */
final class ExecutorPeer implements Peer {
  private final ScheduledThreadPoolExecutor pool =
      new ScheduledThreadPoolExecutor(
          Runtime.getRuntime().availableProcessors(), new DaemonThreadFactory("executor"));
  private final PeriodicTasks tasks = new PeriodicTasks();

  ExecutorPeer() {
    pool.setRemoveOnCancelPolicy(true);
  }

  @Override
  public String id() {
    return "executor";
  }

  @Override
  public void start(List<Runnable> bodies, Duration interval) {
    tasks.scheduleAll(
        bodies,
        interval,
        (task, period) ->
            pool.scheduleAtFixedRate(task, 0, period.toNanos(), TimeUnit.NANOSECONDS));
  }

  @Override
  public void stopAll() {
    tasks.stopAll();
  }

  @Override
  public List<String> threadNamePrefixes() {
    return List.of("executor");
  }

  @Override
  public void close() {
    stopAll();
    pool.shutdownNow();
  }
}
