package dev.loopwork;

/**
 * One iteration of a loop service written as a lambda; see {@link LoopService#of(String,
 * java.time.Duration, LoopBody)}.
 */
@FunctionalInterface
public interface LoopBody {
  /**
   * Runs one iteration. An exception is logged and the loop goes on; a {@link java.lang.Error} ends
   * the loop.
   */
  void runOnce() throws Exception;
}
