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
 * #KEY_OUTCOME} ({@code SUCCESS}, {@code FAILURE}, {@code TIMEOUT}, {@code LEASE_LOST} or {@value
 * #SKIPPED}) and {@value #KEY_EXCEPTION} (the simple class name of what the iteration threw, or
 * {@code none}). High cardinality: {@value #KEY_ITERATION} (its number in the run), {@value
 * #KEY_FENCING_TOKEN} (when it ran under a lease), {@value #KEY_REPLICA} (when given) and {@value
 * #KEY_REASON} (why it was skipped). A failed iteration's exception is the observation's error. The
 * meters of {@link LoopMetrics} are separate and keep their names.
 *
 * <p><b>Skipped iterations.</b> A due iteration held back on purpose where it would have run (the
 * service is paused: {@link LoopListener#onIterationSkipped}) is an observation of no duration with
 * the outcome {@value #SKIPPED}, the exception {@code none}, the replica and the reason, and no
 * iteration number or fencing token, since nothing ran. A slot that another replica runs makes no
 * observation here: the replica that holds the lease reports it, whether it runs or skips it.
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

  /** High-cardinality key: why the iteration was skipped, on a {@value #SKIPPED} one only. */
  public static final String KEY_REASON = "reason";

  /** The {@value #KEY_OUTCOME} of an iteration skipped on purpose. */
  public static final String SKIPPED = "SKIPPED";

  private static final String NO_EXCEPTION = "none";

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
        observationOf(service).highCardinalityKeyValue(KEY_ITERATION, Long.toString(iteration));
    current.set(observation.start().openScope());
  }

  /**
   * Records the skipped iteration as an observation of its own, started and stopped at once, with
   * the outcome {@value #SKIPPED}.
   */
  @Override
  public void onIterationSkipped(LoopService service, String reason) {
    if (registry.isNoop()) {
      return;
    }
    observationOf(service)
        .lowCardinalityKeyValue(KEY_OUTCOME, SKIPPED)
        .lowCardinalityKeyValue(KEY_EXCEPTION, NO_EXCEPTION)
        .highCardinalityKeyValue(KEY_REASON, reason)
        .start()
        .stop();
  }

  /** A new observation of one of {@code service}'s iterations, with the keys every one has. */
  private Observation observationOf(LoopService service) {
    Observation observation =
        Observation.createNotStarted(NAME, registry)
            .contextualName(service.name())
            .lowCardinalityKeyValue(KEY_SERVICE, service.name());
    if (replica != null) {
      observation.highCardinalityKeyValue(KEY_REPLICA, replica);
    }
    return observation;
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
        result.failure().map(error -> error.getClass().getSimpleName()).orElse(NO_EXCEPTION));
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
