package dev.loopwork.bench;

/**
 * Waiting that a benchmark process never wants interrupted: it keeps waiting and restores the
 * interrupt flag.
 */
final class Interrupts {
  private Interrupts() {}

  /** A wait that may be interrupted. */
  @FunctionalInterface
  interface Wait {
    void await() throws InterruptedException;
  }

  /**
   * Runs {@code wait} to completion even if interrupted, then restores the thread's interrupt
   * status.
   */
  static void runUninterruptibly(Wait wait) {
    boolean interrupted = false;
    while (true) {
      try {
        wait.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
