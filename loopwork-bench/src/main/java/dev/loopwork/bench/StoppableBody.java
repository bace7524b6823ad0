package dev.loopwork.bench;

/**
 * A body for executor-based peers that can be stopped and waited for: after {@link #stop()}
 * returns, the body is not running and never will again. {@code ScheduledFuture.cancel(false)}
 * alone gives neither promise: it neither waits for a run in progress nor stops a run that was
 * already dequeued.
 */
final class StoppableBody implements Runnable {
  private final Runnable body;
  private boolean stopped;

  StoppableBody(Runnable body) {
    this.body = body;
  }

  @Override
  public synchronized void run() {
    if (!stopped) {
      body.run();
    }
  }

  /** Waits for a run in progress, if any, and prevents every later one. */
  synchronized void stop() {
    stopped = true;
  }
}
