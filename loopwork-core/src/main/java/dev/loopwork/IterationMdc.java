package dev.loopwork;

import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * The MDC keys {@value #SERVICE} and {@value #ITERATION} on every log line written during an
 * iteration, at the lowest cost per iteration: most iterations log nothing.
 *
 * <p>On Loopwork's own worker threads the keys stay in the thread's MDC between tasks: the service
 * key is written only when the thread moves to another service (or something removed it), and the
 * iteration key is overwritten in place. So an iteration costs one MDC read and one write instead
 * of two writes and two removals, and leaves no garbage in the backend's map. The text of the
 * iteration number is shared by every service up to {@link #SHARED_NUMBERS} (a 60 s service gets
 * there after 45 days, a 1 s one after 18 hours), so an iteration allocates nothing until then, and
 * one short String after. On threads of an executor the application passed in, the keys are removed
 * after each task, as such threads run other code too. Without a backend that keeps an MDC, nothing
 * is done at all.
 */
final class IterationMdc {
  static final String SERVICE = "loopwork.service";
  static final String ITERATION = "loopwork.iteration";

  private static final boolean KEPT = !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);

  /**
   * Iteration numbers whose text is made once and shared; at most about 3 MB of Strings, made as
   * they are used.
   */
  static final int SHARED_NUMBERS = 1 << 16;

  private static final int CHUNK_BITS = 10;
  // Chunks of 1,024 texts, made on first use. Reads and writes race benignly: a String is safely
  // published through
  // its final fields, and two threads that make the same text store equal Strings.
  private static final String[][] NUMBER_TEXTS = new String[SHARED_NUMBERS >> CHUNK_BITS][];

  private IterationMdc() {}

  /**
   * Sets the service key for a task of {@code service}'s loop, unless the thread's MDC has it
   * already.
   */
  static void enterService(String service) {
    if (KEPT && MDC.get(SERVICE) != service) { // the same String instance: set by this service
      MDC.put(SERVICE, service);
    }
  }

  /** Sets the iteration key to {@code number}. */
  static void enterIteration(long number) {
    if (KEPT) {
      MDC.put(ITERATION, text(number));
    }
  }

  /**
   * Ends a task of the loop that leaves it waiting: removes the keys, unless the task ran on
   * Loopwork's own threads ({@code ownThreads}), where they may stay.
   */
  static void exitTask(boolean ownThreads) {
    if (KEPT && !ownThreads) {
      clear();
    }
  }

  /**
   * Ends the loop's last task: removes the keys, since what the thread does next belongs to no
   * iteration.
   */
  static void exitRun() {
    if (KEPT) {
      clear();
    }
  }

  /**
   * The decimal text of {@code number}, shared by every service while the number is below {@link
   * #SHARED_NUMBERS}.
   */
  static String text(long number) {
    if (number < 0 || number >= SHARED_NUMBERS) {
      return Long.toString(number);
    }
    int n = (int) number;
    String[] chunk = NUMBER_TEXTS[n >> CHUNK_BITS];
    if (chunk == null) {
      chunk = new String[1 << CHUNK_BITS];
      NUMBER_TEXTS[n >> CHUNK_BITS] = chunk;
    }
    int slot = n & ((1 << CHUNK_BITS) - 1);
    String text = chunk[slot];
    if (text == null) {
      text = Integer.toString(n);
      chunk[slot] = text;
    }
    return text;
  }

  private static void clear() {
    MDC.remove(ITERATION);
    MDC.remove(SERVICE);
  }
}
