package dev.loopwork.micrometer;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopClock;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/**
 * Micrometer metrics for loop services: a {@link LoopListener} that records every service it sees
 * in the registries it is {@linkplain #bindTo bound to}. Register it on an engine (or on single
 * services) and bind it to any {@link MeterRegistry}; as a {@link MeterBinder} it also plugs into
 * frameworks that bind binders themselves.
 *
 * <pre>{@code
 * LoopMetrics metrics = LoopMetrics.of(registry);
 * LoopEngine engine = LoopEngine.builder().listener(metrics).build();
 * engine.start(new ExpireSessions());
 * }</pre>
 *
 * <p><b>Meters.</b> Every meter has the tag {@value #TAG_SERVICE} with the service's name and the
 * tag {@value #TAG_INTERNAL} ({@code true} for Loopwork's own services); the names are the
 * constants of this class. A service's meters are registered when the listener first sees it (its
 * first start), all at once, so counters read 0 before anything happened. Tag values are lower
 * case: outcomes {@code succeeded}, {@code failed}, {@code timed_out}, {@code lease_lost} and, on
 * the counter only, {@code skipped}; states {@code new}, {@code starting}, {@code running}, {@code
 * stopping}, {@code stopped}, {@code failed}.
 *
 * <p><b>Lifecycle.</b> Meters are keyed by service name, not by service instance: a service that
 * stops and starts again, or a new instance with the same name, goes on with the same series. The
 * gauges read a small status object per name that this listener holds and that never references the
 * service, and registries hold it only weakly (Micrometer's default): a stopped service is never
 * kept alive by metrics, and the gauges of a stopped service go on reporting its last state ({@code
 * stopped}) and its growing time since the last success. Call {@link #forget(String)} for a service
 * that is gone for good, and {@link #close()} to remove every meter of this listener. Bind one
 * {@code LoopMetrics} per registry: a second one would find the first one's gauges already
 * registered.
 *
 * <p><b>Failures.</b> A registry that throws loses its own metrics and nothing else: the loop, this
 * listener's bookkeeping and the other registries carry on (the first failure is logged at WARN).
 *
 * <p>Thread-safe: services may run on any threads, and binding, forgetting and scraping may happen
 * at any time.
 */
public final class LoopMetrics implements LoopListener, MeterBinder, AutoCloseable {

  /**
   * Counter of ended iterations, tagged {@value #TAG_SERVICE} and {@value #TAG_OUTCOME}, and of
   * iterations skipped on purpose where they would have run (a paused service on the replica that
   * holds its lease), with the outcome {@value #OUTCOME_SKIPPED}.
   */
  public static final String ITERATIONS = "loopwork.iterations";

  /**
   * Timer of iteration durations, tagged {@value #TAG_SERVICE} and {@value #TAG_OUTCOME}; publishes
   * the configured {@linkplain Builder#percentiles percentiles} and, if enabled, a {@linkplain
   * Builder#percentileHistogram histogram}.
   */
  public static final String ITERATION_DURATION = "loopwork.iteration.duration";

  /**
   * Counter of iterations that took longer than the service's loop interval, tagged {@value
   * #TAG_SERVICE}.
   */
  public static final String OVERRUNS = "loopwork.iteration.overruns";

  /**
   * Time gauge: time since the last successful iteration ended, or since the listener first saw the
   * service if it has not succeeded yet. Tagged {@value #TAG_SERVICE}. Keeps growing while the
   * service is stopped.
   */
  public static final String TIME_SINCE_LAST_SUCCESS = "loopwork.time.since.last.success";

  /**
   * Gauge of failed or timed-out iterations in a row; 0 after a success and when the service starts
   * again. Tagged {@value #TAG_SERVICE}.
   */
  public static final String CONSECUTIVE_FAILURES = "loopwork.consecutive.failures";

  /**
   * Gauge per {@link LoopState}, tagged {@value #TAG_SERVICE} and {@value #TAG_STATE}: 1 for the
   * state the service is in, 0 for the others.
   */
  public static final String SERVICE_STATE = "loopwork.service.state";

  /**
   * Gauge of leases this process holds for the service, read from the function given to {@link
   * Builder#leasesHeld}; registered only when one is given. Tagged {@value #TAG_SERVICE}.
   */
  public static final String LEASES_HELD = "loopwork.leases.held";

  /**
   * The {@value #TAG_STATE} tag value of the {@value #SERVICE_STATE} gauge that reads 1 while the
   * service is started here but another replica runs it (registered only with a {@linkplain
   * Builder#fleetView fleet view}); its {@code running} gauge then reads 0.
   */
  public static final String STATE_STANDBY = "standby";

  /** Tag key holding the service's {@link LoopService#name()}. */
  public static final String TAG_SERVICE = "service";

  /** Tag key holding the iteration's {@link IterationOutcome} in lower case. */
  public static final String TAG_OUTCOME = "outcome";

  /**
   * The {@value #TAG_OUTCOME} tag value of the {@value #ITERATIONS} counter for iterations skipped
   * on purpose ({@link LoopListener#onIterationSkipped}); they have no duration, so no timer.
   */
  public static final String OUTCOME_SKIPPED = "skipped";

  /** Tag key holding a {@link LoopState} in lower case. */
  public static final String TAG_STATE = "state";

  /**
   * Tag key on every meter: {@code true} for Loopwork's own services (the run journal's pruner, the
   * host's presence), whose names start with {@value LoopService#INTERNAL_NAME_PREFIX}; {@code
   * false} for the application's. Alerts select {@code internal="false"}.
   */
  public static final String TAG_INTERNAL = "internal";

  /**
   * The largest bucket of the {@linkplain Builder#percentileHistogram duration histogram}: one
   * hour, as batch iterations may run for minutes (Micrometer's default for timers is 30 seconds).
   * Change it, like any distribution setting, with a {@code MeterFilter} on the registry for {@link
   * #ITERATION_DURATION}.
   */
  public static final Duration HISTOGRAM_MAXIMUM = Duration.ofHours(1);

  private static final double[] DEFAULT_PERCENTILES = {0.5, 0.95, 0.99};

  private final LoopClock clock;
  private final double[] percentiles;
  private final boolean percentileHistogram;
  private final ToIntFunction<String> leasesHeld;
  private final FleetView fleetView;
  private final ConcurrentMap<String, ServiceStatus> services = new ConcurrentHashMap<>();
  private final List<RegistryBinding> bindings = new CopyOnWriteArrayList<>();

  private LoopMetrics(Builder builder) {
    this.clock = builder.clock;
    this.percentiles = builder.percentiles.clone();
    this.percentileHistogram = builder.percentileHistogram;
    this.leasesHeld = builder.leasesHeld;
    this.fleetView = builder.fleetView;
  }

  /** Metrics with the defaults, already bound to {@code registry}. */
  public static LoopMetrics of(MeterRegistry registry) {
    LoopMetrics metrics = builder().build();
    metrics.bindTo(registry);
    return metrics;
  }

  /**
   * A builder with the defaults: system clock, percentiles 0.5, 0.95 and 0.99, no histogram, no
   * leases gauge.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Records into {@code registry} from now on, and registers there the meters of every service seen
   * so far. Binding the same registry twice has no further effect. A registry that fails here is
   * logged and bound all the same.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    RegistryBinding binding;
    synchronized (bindings) {
      if (bindings.stream().anyMatch(b -> b.registry() == registry)) {
        return;
      }
      binding =
          new RegistryBinding(
              registry, percentiles, percentileHistogram, leasesHeld != null, fleetView != null);
      bindings.add(binding);
    }
    services.values().forEach(binding::register);
  }

  /**
   * Removes the meters of the service named {@code serviceName} from every bound registry and
   * forgets its status. Meant for services that are gone for good; if the service runs again, its
   * meters come back, starting from zero. Does nothing for a name this listener has not seen.
   */
  public void forget(String serviceName) {
    Objects.requireNonNull(serviceName, "serviceName");
    services.remove(serviceName);
    bindings.forEach(b -> b.remove(serviceName));
  }

  /**
   * Removes every meter this listener registered from every registry and unbinds them; from then on
   * it records nothing until it is bound again. Idempotent.
   */
  @Override
  public void close() {
    synchronized (bindings) {
      bindings.forEach(RegistryBinding::removeAll);
      bindings.clear();
    }
  }

  /** Updates the service's state gauges; a first start registers the service's meters. */
  @Override
  public void onStateChange(LoopService service, LoopState from, LoopState to) {
    ServiceStatus status = statusOf(service);
    status.stateChanged(to);
    bindings.forEach(b -> b.register(status));
  }

  /** Counts the iteration and records its duration, overrun and effect on the gauges. */
  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    ServiceStatus status = statusOf(service);
    status.iterationEnded(result);
    bindings.forEach(b -> b.recordIteration(status, result));
  }

  /** Counts the skipped iteration under the outcome {@value #OUTCOME_SKIPPED}. */
  @Override
  public void onIterationSkipped(LoopService service, String reason) {
    ServiceStatus status = statusOf(service);
    bindings.forEach(b -> b.recordSkip(status));
  }

  private ServiceStatus statusOf(LoopService service) {
    return services.computeIfAbsent(
        service.name(), name -> new ServiceStatus(name, clock, leasesHeld, fleetView));
  }

  /** The {@value #TAG_INTERNAL} tag's value for the service named {@code service}. */
  static String internalTagValue(String service) {
    return Boolean.toString(LoopService.isInternal(service));
  }

  static String tagValue(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** Builds {@link LoopMetrics}; every setter checks its argument and names it in the error. */
  public static final class Builder {
    private LoopClock clock = LoopClock.system();
    private double[] percentiles = DEFAULT_PERCENTILES;
    private boolean percentileHistogram;
    private ToIntFunction<String> leasesHeld;
    private FleetView fleetView;

    private Builder() {}

    /**
     * The clock that {@value LoopMetrics#TIME_SINCE_LAST_SUCCESS} reads: the same clock as the
     * engine's (default {@link LoopClock#system()}; a manual clock in tests).
     */
    public Builder clock(LoopClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The percentiles of iteration durations that the timer publishes, computed in this process (so
     * they cannot be aggregated across replicas; use {@link #percentileHistogram} for that).
     * Default 0.5, 0.95, 0.99; none turns them off.
     *
     * @throws IllegalArgumentException if a percentile is not between 0 and 1
     */
    public Builder percentiles(double... percentiles) {
      Objects.requireNonNull(percentiles, "percentiles");
      for (double p : percentiles) {
        if (!(p >= 0 && p <= 1)) {
          throw new IllegalArgumentException(
              "percentiles must be between 0 and 1: " + p + " in " + Arrays.toString(percentiles));
        }
      }
      this.percentiles = percentiles.clone();
      return this;
    }

    /**
     * Whether the timer publishes a histogram of iteration durations, from 1 ms to {@link
     * LoopMetrics#HISTOGRAM_MAXIMUM} (Prometheus {@code _bucket} series), which a monitoring system
     * can aggregate across replicas into percentiles. Default {@code false}. Note that the
     * Prometheus registry then exports the timer as a histogram only, without the in-process
     * {@linkplain #percentiles percentiles}.
     */
    public Builder percentileHistogram(boolean enabled) {
      this.percentileHistogram = enabled;
      return this;
    }

    /**
     * Adds the {@value LoopMetrics#LEASES_HELD} gauge, fed by {@code leasesHeld}: given a service
     * name, it returns how many leases this process holds for that service (for an exclusive
     * service, 1 while this replica owns it, else 0). It is called whenever the registry is read,
     * on the reading thread, so it must be fast and thread-safe, and should read a cached value
     * rather than query a database. If it throws, the gauge reads NaN.
     */
    public Builder leasesHeld(ToIntFunction<String> leasesHeld) {
      this.leasesHeld = Objects.requireNonNull(leasesHeld, "leasesHeld");
      return this;
    }

    /**
     * Makes the gauges true on every replica of a fleet: a service that another replica runs reads
     * {@value LoopMetrics#STATE_STANDBY} (1) instead of {@code running}, and {@value
     * LoopMetrics#TIME_SINCE_LAST_SUCCESS} counts from the last success on any replica, with no
     * sample on a replica that has not run the service while no success is known. So an alert on it
     * fires on every replica when the service stops succeeding, and on none while it succeeds
     * somewhere.
     */
    public Builder fleetView(FleetView fleetView) {
      this.fleetView = Objects.requireNonNull(fleetView, "fleetView");
      return this;
    }

    /** The metrics listener, bound to no registry yet: see {@link LoopMetrics#bindTo}. */
    public LoopMetrics build() {
      return new LoopMetrics(this);
    }
  }
}
