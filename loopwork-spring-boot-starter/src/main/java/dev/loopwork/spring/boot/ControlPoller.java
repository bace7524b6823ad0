package dev.loopwork.spring.boot;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the shared pause flags and run-once requests: runs a task now and then every {@code period}
 * on a daemon thread of its own, between {@link #start()} and {@link #stop}. A failing read is
 * logged once as a WARN, and its recovery once, so that an outage of the database does not fill the
 * log. Thread-safe.
 */
final class ControlPoller {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPoller.class);

  private final Duration period;
  private final Runnable task;
  private volatile ScheduledExecutorService executor;
  private volatile boolean failing;

  /** A poller that runs {@code task} every {@code period}; the task may throw. */
  ControlPoller(Duration period, Runnable task) {
    this.period = period;
    this.task = task;
  }

  /** Runs the task once on the calling thread, logging a failure as the poller does. */
  void runNow() {
    try {
      task.run();
      if (failing) {
        failing = false;
        LOG.info("The shared pause flags and run-once requests can be read again");
      }
    } catch (RuntimeException e) {
      if (!failing) {
        failing = true;
        LOG.warn(
            "Cannot read the shared pause flags and run-once requests; services keep their last known flags "
                + "until the database answers: {}",
            e.toString());
      }
    }
  }

  /** Runs the task every period from now on, on the thread {@code loopwork-controls}. */
  synchronized void start() {
    ScheduledExecutorService started =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "loopwork-controls");
              thread.setDaemon(true);
              return thread;
            });
    started.scheduleWithFixedDelay(
        this::runNow, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    executor = started;
  }

  /**
   * Stops the runs, interrupting one in progress, and waits for it at most {@code timeout}.
   * Idempotent.
   */
  synchronized void stop(Duration timeout) {
    ScheduledExecutorService running = executor;
    executor = null;
    if (running == null) {
      return;
    }
    running.shutdownNow();
    try {
      running.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
