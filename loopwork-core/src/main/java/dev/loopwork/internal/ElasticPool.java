package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The executor that runs iterations: a few threads that take tasks from one queue, so that 100,000 short iterations
 * a second cost no thread switch each, and that grows when iterations block. While tasks wait, a check every {@link
 * #CHECK_PERIOD_NANOS} adds a thread whenever no task completed since the previous check (every thread is stuck in a
 * long iteration, say a slow query), so slow services never hold up the others for long. Threads above the base
 * size leave once the queue is empty; a pool at its base size checks nothing while idle and never wakes.
 */
final class ElasticPool implements Executor {
  static final long CHECK_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final int MAX_THREADS = 10_000;

  private final int baseThreads;
  private final ThreadPoolExecutor pool;
  private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  private final LoopClock.Timer check;
  private final AtomicBoolean checking = new AtomicBoolean();
  private long completedAtLastCheck;

  ElasticPool(int baseThreads, LoopClock clock) {
    this.baseThreads = baseThreads;
    this.pool = new ThreadPoolExecutor(baseThreads, baseThreads, 30, TimeUnit.SECONDS, queue,
        DaemonThreads.named("loopwork-worker"));
    this.pool.allowCoreThreadTimeOut(true);
    // Start the base threads now: in a fresh JVM, creating the first ones costs milliseconds of one-time set-up,
    // which would otherwise delay the first iterations that fall due.
    this.pool.prestartAllCoreThreads();
    this.check = clock.newTimer(this::checkProgress);
  }

  @Override
  public void execute(Runnable task) {
    pool.execute(task);
    if (!queue.isEmpty() && checking.compareAndSet(false, true)) {
      completedAtLastCheck = pool.getCompletedTaskCount();
      check.schedule(System.nanoTime() + CHECK_PERIOD_NANOS);
    }
  }

  /** Runs on the timer thread while tasks wait or the pool is above its base size. */
  private void checkProgress() {
    int waiting = queue.size();
    long completed = pool.getCompletedTaskCount();
    int size = pool.getCorePoolSize();
    if (waiting > 0 && completed == completedAtLastCheck && size < MAX_THREADS) {
      resize(size + 1);
    } else if (waiting == 0 && size > baseThreads) {
      resize(Math.max(baseThreads, pool.getActiveCount()));
    }
    completedAtLastCheck = completed;
    if (waiting > 0 || pool.getCorePoolSize() > baseThreads) {
      check.schedule(System.nanoTime() + CHECK_PERIOD_NANOS);
    } else {
      checking.set(false);
      if (!queue.isEmpty() && checking.compareAndSet(false, true)) {
        check.schedule(System.nanoTime() + CHECK_PERIOD_NANOS);
      }
    }
  }

  private void resize(int threads) {
    if (threads > pool.getMaximumPoolSize()) {
      pool.setMaximumPoolSize(threads);
      pool.setCorePoolSize(threads);
    } else {
      pool.setCorePoolSize(threads);
      pool.setMaximumPoolSize(threads);
    }
  }
}
