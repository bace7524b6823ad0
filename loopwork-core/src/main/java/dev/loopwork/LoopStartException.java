package dev.loopwork;

/**
 * Thrown by {@link LoopService#start()} and {@link LoopHandle#await()} when a service's {@code
 * onStart} hook failed. The hook's exception is the cause; no iteration ran and {@code onStop} has
 * run.
 */
public final class LoopStartException extends LoopworkException {
  private static final long serialVersionUID = 1L;

  LoopStartException(String serviceName, Throwable cause) {
    super("Loop service " + serviceName + " failed to start: " + cause, cause);
  }
}
