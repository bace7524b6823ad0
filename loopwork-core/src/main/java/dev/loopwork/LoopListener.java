package dev.loopwork;

/**
 * Observes loop services: every state change, every iteration's start and end, and every iteration
 * skipped on purpose. Register one on a service with {@link LoopService#addListener} or for every
 * service of an engine with {@link LoopEngine.Builder#listener}.
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

  /**
   * Called when an iteration that would have run here did not, on purpose: its coordinator answered
   * {@link IterationPermit#skipped(String)} (the service is paused, say), with {@code reason}. It
   * is no iteration: no {@link #onIterationStart} or {@link #onIterationEnd} comes with it, and it
   * counts neither as a run nor as a failure. Called once per skipped due iteration (or skipped
   * {@link LoopService#runNow() extra} one), on the process that would have run it only; an
   * iteration that another process runs is not reported here.
   */
  default void onIterationSkipped(LoopService service, String reason) {}
}
