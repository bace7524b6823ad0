package dev.loopwork;

/**
 * Observes loop services: every state change and every iteration's start and end. Register one on a
 * service with {@link LoopService#addListener} or for every service of an engine with {@link
 * LoopEngine.Builder#listener}.
 *
 * <p>Callbacks run on the thread that drives the service, outside any lock, and must return
 * quickly; hand slow work (database writes, network calls) to a queue. A listener that throws is
 * logged at WARN and otherwise ignored: it never affects the loop. Every method has an empty
 * default, so implement only what you need.
 */
public interface LoopListener {

  /** Called after {@code service} moved from state {@code from} to state {@code to}. */
  default void onStateChange(LoopService service, LoopState from, LoopState to) {}

  /**
   * Called just before iteration number {@code iteration} (counted from 1 in each run) calls {@code
   * runOnce}.
   */
  default void onIterationStart(LoopService service, long iteration) {}

  /** Called after an iteration ended, successfully or not. */
  default void onIterationEnd(LoopService service, IterationResult result) {}
}
