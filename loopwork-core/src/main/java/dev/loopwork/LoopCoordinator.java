package dev.loopwork;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides which of several processes runs a service's iterations, so that replicas of one
 * application do not run the same maintenance at once. Set one on {@link
 * LoopEngine.Builder#coordinator}; the engine then asks it before every due iteration. Without one,
 * every iteration runs.
 *
 * <p>The engine calls {@link #join} once per run of a service, before {@code onStart}, and then, on
 * the thread that drives the service and never concurrently for one service: {@link
 * Membership#permit()} before each due iteration, {@link Membership#iterationEnded} after each
 * granted one, and {@link Membership#leave()} once after {@code onStop}. A coordinator that throws
 * is logged and its answer taken as a denial.
 *
 * <pre>{@code
 * LoopEngine engine = LoopEngine.builder().coordinator(leases).build();
 * }</pre>
 */
public interface LoopCoordinator {

  /**
   * Registers a run of {@code service}; the returned membership lasts until {@link
   * Membership#leave()}.
   *
   * @throws RuntimeException if the service cannot take part; the run then fails to start
   */
  Membership join(LoopService service);

  /**
   * Registers a run of {@code service} that uses {@code loopInterval}, which differs from {@code
   * service.loopInterval()} when the engine applies options of its own ({@link
   * LoopEngine.Builder#options}). The engine calls this method; the default ignores the interval
   * and {@code askAgain}. Override it when the membership depends on them.
   *
   * <p>{@code askAgain} may be called from any thread when an answer may have changed (a lease came
   * here, a pause ended): it ends a wait that a {@linkplain IterationPermit#deferred deferral} or a
   * {@linkplain IterationPermit#skipped skip} set, and the engine calls {@link Membership#permit()}
   * at once. A wait for an iteration of the schedule after one that ran or was denied, or an
   * iteration under way, stays as it is: no iteration is added.
   *
   * @throws RuntimeException if the service cannot take part; the run then fails to start
   */
  default Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    return join(service);
  }

  /** One service's part in the coordination, for one run. */
  interface Membership {

    /**
     * Whether the iteration that is due now may run here. Must return quickly: implementations
     * answer from state they keep up to date in the background, not with a round trip per
     * iteration.
     */
    IterationPermit permit();

    /**
     * As {@link #permit()}, for the due iteration of a calendar service that stands for the fire
     * {@code fire} (the engine asks this instead of {@link #permit()}; an extra iteration asks
     * {@link #permit()}). A coordinator that hands calendar services from one process to another
     * records {@code fire} as started before it grants it (deferring the iteration meanwhile), and
     * denies a fire at or before the latest one recorded: it ran already, and a denied fire counts
     * as run. The default answers {@link #permit()}.
     */
    default IterationPermit permit(Instant fire) {
      return permit();
    }

    /**
     * As {@link #permit()}, for one iteration that was asked for now, off the schedule (an
     * operator's run-once): a coordinator that makes a new holder wait for the service's next slot
     * (so that no slot runs twice) lets this one through at once; every other condition of {@link
     * #permit()} holds. The default answers {@link #permit()}.
     */
    default IterationPermit permitRequested() {
      return permit();
    }

    /**
     * Where a calendar service's schedule goes on now that this process runs it: once after each
     * start of its right to run the service here (a hold of its lease), the latest fire that any
     * process recorded as started ({@link #permit(Instant)}); empty otherwise (nothing recorded,
     * told already, or not this process's to run). The engine asks before each fire of a calendar
     * service and when {@code askAgain} is called, and goes on with the first fire after the one
     * returned: the fires between it and now are missed fires, of which the latest runs at once if
     * it is within the misfire grace ({@link LoopOptions.Builder#schedule}). So a new owner neither
     * runs a fire again that its previous owner started, nor drops one that no process ran. The
     * default returns empty.
     */
    default Optional<Instant> takeLastRecordedFire() {
      return Optional.empty();
    }

    /**
     * Whether this process is where the service's iterations run now, whatever the next {@link
     * #permit()} answers: for a lease, whether this process holds it; for a service that runs in
     * every process, {@code true}. A coordinator in front of others that holds iterations back on
     * purpose (a pause) answers {@link IterationPermit#skipped(String)} only where this is true and
     * a denial elsewhere, so that one skipped iteration is reported once, not by every standby. A
     * membership in front of another should return the other's answer. Must return quickly, like
     * {@code permit}. The default, {@code false}, says nothing is known: such a process reports no
     * skip.
     */
    default boolean isHolder() {
      return false;
    }

    /** The iteration that {@code permit} allowed has ended (successfully or not). */
    void iterationEnded(IterationPermit permit);

    /**
     * The run has ended: give up whatever the membership holds. Called once, after {@code onStop}.
     */
    void leave();
  }
}
