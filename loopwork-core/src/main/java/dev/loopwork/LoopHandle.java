package dev.loopwork;

import java.time.Duration;

/**
 * A run of a loop service started without blocking the caller ({@link LoopService#startAsync()},
 * {@link LoopEngine#start(LoopService)}). While the service waits for its next iteration, no thread
 * is held.
 *
 * <pre>{@code
 * LoopHandle handle = service.startAsync();
 * ...
 * handle.stop();
 * handle.await();
 * }</pre>
 */
public interface LoopHandle {

  /** The service this run belongs to. */
  LoopService service();

  /**
   * Requests a graceful stop and returns at once; same as {@code service().stop(false)}.
   * Idempotent.
   */
  void stop();

  /** Whether the run has ended ({@code onStop} has returned). */
  boolean isDone();

  /**
   * Waits until the run has ended.
   *
   * @throws LoopStartException if {@code onStart} failed
   * @throws Error the {@link java.lang.Error} that ended the loop, if one did
   * @throws InterruptedException if this thread is interrupted while waiting (the run goes on)
   */
  void await() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the run to end.
   *
   * @return {@code true} if it ended, {@code false} if the time ran out first
   * @throws LoopStartException if {@code onStart} failed
   * @throws Error the {@link java.lang.Error} that ended the loop, if one did
   * @throws InterruptedException if this thread is interrupted while waiting (the run goes on)
   */
  boolean await(Duration timeout) throws InterruptedException;
}
