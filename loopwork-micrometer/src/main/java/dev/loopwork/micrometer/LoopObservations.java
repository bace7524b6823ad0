package dev.loopwork.micrometer;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;

/**
 * Every iteration as a Micrometer {@link Observation} named {@value #NAME}, current on the
 * iteration's thread from its start to its end: with Micrometer Tracing the iteration is a span
 * (named after the service) whose children are the calls it makes (JDBC, HTTP) through instrumented
 * clients; with a meter handler it is a timer. Register it on an engine like any listener.
 *
 * <pre>{@code
 * LoopEngine engine =
 *     LoopEngine.builder().listener(LoopObservations.of(observationRegistry)).build();
 * }</pre>
 *
 * <p><b>Key values.</b> Low cardinality: {@value #KEY_SERVICE} (the service's name), {@value
 * #KEY_OUTCOME} ({@code SUCCESS}, {@code FAILURE}, {@code TIMEOUT} or {@code LEASE_LOST}; a due
 * slot that does not run, paused or run by another replica, is no iteration and makes no
 * observation) and {@value #KEY_EXCEPTION} (the simple class name of what the iteration threw, or
 * {@code none}). High cardinality: {@value #KEY_ITERATION} (its number in the run), {@value
 * #KEY_FENCING_TOKEN} (when it ran under a lease) and {@value #KEY_REPLICA} (when given). A failed
 * iteration's exception is the observation's error. The meters of {@link LoopMetrics} are separate
 * and keep their names.
 *
 * <p>Thread-safe; costs nothing on a no-op registry.
 */
public final class LoopObservations implements LoopListener {
  /** The observation's name. */
  public static final String NAME = "loopwork.iteration";

  /** Low-cardinality key: the service's name. */
  public static final String KEY_SERVICE = "service";

  /** Low-cardinality key: how the iteration ended. */
  public static final String KEY_OUTCOME = "outcome";

  /** Low-cardinality key: the simple class name of the iteration's exception, or {@code none}. */
  public static final String KEY_EXCEPTION = "exception";

  /** High-cardinality key: the iteration's number in its run. */
  public static final String KEY_ITERATION = "iteration";

  /** High-cardinality key: the fencing token the iteration ran under. */
  public static final String KEY_FENCING_TOKEN = "fencing.token";

  /** High-cardinality key: the replica the iteration ran on. */
  public static final String KEY_REPLICA = "replica";

  private final ObservationRegistry registry;
  private final String replica;
  private final ThreadLocal<Observation.Scope> current = new ThreadLocal<>();

  private LoopObservations(ObservationRegistry registry, String replica) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.replica = replica;
  }

  /** Observations of every iteration in {@code registry}. */
  public static LoopObservations of(ObservationRegistry registry) {
    return new LoopObservations(registry, null);
  }

  /**
   * Observations of every iteration in {@code registry}, with the key value {@value #KEY_REPLICA}
   * set to {@code replica}.
   */
  public static LoopObservations of(ObservationRegistry registry, String replica) {
    return new LoopObservations(registry, Objects.requireNonNull(replica, "replica"));
  }

  /** Starts the iteration's observation and makes it current on this thread. */
  @Override
  public void onIterationStart(LoopService service, long iteration) {
    if (registry.isNoop()) {
      return;
    }
    Observation observation =
        Observation.createNotStarted(NAME, registry)
            .contextualName(service.name())
            .lowCardinalityKeyValue(KEY_SERVICE, service.name())
            .highCardinalityKeyValue(KEY_ITERATION, Long.toString(iteration));
    if (replica != null) {
      observation.highCardinalityKeyValue(KEY_REPLICA, replica);
    }
    current.set(observation.start().openScope());
  }

  /** Records how the iteration ended, ends the scope and stops the observation. */
  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    Observation.Scope scope = current.get();
    if (scope == null) {
      return;
    }
    current.remove();
    Observation observation = scope.getCurrentObservation();
    observation.lowCardinalityKeyValue(KEY_OUTCOME, outcome(result.outcome()));
    observation.lowCardinalityKeyValue(
        KEY_EXCEPTION,
        result.failure().map(error -> error.getClass().getSimpleName()).orElse("none"));
    result
        .fencingToken()
        .ifPresent(
            token -> observation.highCardinalityKeyValue(KEY_FENCING_TOKEN, Long.toString(token)));
    result.failure().ifPresent(observation::error);
    scope.close();
    observation.stop();
  }

  private static String outcome(IterationOutcome outcome) {
    switch (outcome) {
      case SUCCEEDED:
        return "SUCCESS";
      case FAILED:
        return "FAILURE";
      case TIMED_OUT:
        return "TIMEOUT";
      default:
        return outcome.name();
    }
  }
}
