package dev.loopwork.micrometer;

import static dev.loopwork.micrometer.LoopMetrics.CONSECUTIVE_FAILURES;
import static dev.loopwork.micrometer.LoopMetrics.ITERATIONS;
import static dev.loopwork.micrometer.LoopMetrics.ITERATION_DURATION;
import static dev.loopwork.micrometer.LoopMetrics.LEASES_HELD;
import static dev.loopwork.micrometer.LoopMetrics.OUTCOME_SKIPPED;
import static dev.loopwork.micrometer.LoopMetrics.OVERRUNS;
import static dev.loopwork.micrometer.LoopMetrics.SERVICE_STATE;
import static dev.loopwork.micrometer.LoopMetrics.STATE_STANDBY;
import static dev.loopwork.micrometer.LoopMetrics.TAG_INTERNAL;
import static dev.loopwork.micrometer.LoopMetrics.TAG_OUTCOME;
import static dev.loopwork.micrometer.LoopMetrics.TAG_SERVICE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_STATE;
import static dev.loopwork.micrometer.LoopMetrics.TIME_SINCE_LAST_SUCCESS;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of every service in one registry. Every call into the registry is guarded: a registry
 * that throws loses its own metrics, never the loop's iteration nor the other registries' metrics.
 * Its first failure is logged at WARN, later ones at DEBUG, so a broken registry cannot flood the
 * logs.
 */
final class RegistryBinding {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryBinding.class);

  private final MeterRegistry registry;
  private final double[] percentiles;
  private final boolean percentileHistogram;
  private final boolean leasesHeld;
  private final boolean standby;
  private final ConcurrentMap<String, ServiceMeters> services = new ConcurrentHashMap<>();
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  RegistryBinding(
      MeterRegistry registry,
      double[] percentiles,
      boolean percentileHistogram,
      boolean leasesHeld,
      boolean standby) {
    this.registry = registry;
    this.percentiles = percentiles.clone();
    this.percentileHistogram = percentileHistogram;
    this.leasesHeld = leasesHeld;
    this.standby = standby;
  }

  MeterRegistry registry() {
    return registry;
  }

  /** Registers the service's meters unless already done. */
  void register(ServiceStatus status) {
    guarded("register meters", status.name(), () -> metersOf(status));
  }

  void recordIteration(ServiceStatus status, IterationResult result) {
    guarded("record an iteration", status.name(), () -> metersOf(status).record(result));
  }

  void recordSkip(ServiceStatus status) {
    guarded(
        "record a skipped iteration", status.name(), () -> metersOf(status).skipped.increment());
  }

  /** Removes one service's meters from the registry. */
  void remove(String serviceName) {
    ServiceMeters meters = services.remove(serviceName);
    if (meters != null) {
      guarded("remove meters", serviceName, meters::removeFrom);
    }
  }

  /** Removes every meter this binding registered. */
  void removeAll() {
    services.keySet().forEach(this::remove);
  }

  private ServiceMeters metersOf(ServiceStatus status) {
    return services.computeIfAbsent(status.name(), name -> new ServiceMeters(status));
  }

  private void guarded(String action, String serviceName, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      if (failureLogged.compareAndSet(false, true)) {
        LOG.warn(
            "Meter registry {} failed to {} for loop service {}; its loop metrics may be incomplete, the loop "
                + "goes on. Further failures of this registry are logged at DEBUG.",
            registry,
            action,
            serviceName,
            e);
      } else {
        LOG.debug(
            "Meter registry {} failed to {} for loop service {}", registry, action, serviceName, e);
      }
    }
  }

  /**
   * One service's meters in this registry; all are registered up front, so counters read 0 before
   * any event.
   */
  private final class ServiceMeters {
    private final Map<IterationOutcome, Counter> iterations = new EnumMap<>(IterationOutcome.class);
    private final Map<IterationOutcome, Timer> durations = new EnumMap<>(IterationOutcome.class);
    private final Counter skipped;
    private final Counter overruns;
    private final List<Meter> all = new ArrayList<>();

    ServiceMeters(ServiceStatus status) {
      Tags tags = serviceTags(status.name());
      for (IterationOutcome outcome : IterationOutcome.values()) {
        String tag = LoopMetrics.tagValue(outcome);
        iterations.put(outcome, add(iterationCounter(tags, tag)));
        durations.put(
            outcome,
            add(
                Timer.builder(ITERATION_DURATION)
                    .description("How long iterations of a loop service took, by outcome")
                    .tags(tags)
                    .tag(TAG_OUTCOME, tag)
                    .publishPercentiles(percentiles)
                    .publishPercentileHistogram(percentileHistogram)
                    .maximumExpectedValue(LoopMetrics.HISTOGRAM_MAXIMUM)
                    .register(registry)));
      }
      skipped = add(iterationCounter(tags, OUTCOME_SKIPPED));
      overruns =
          add(
              Counter.builder(OVERRUNS)
                  .description(
                      "Iterations of a loop service that took longer than its loop interval")
                  .tags(tags)
                  .register(registry));
      add(
          TimeGauge.builder(
                  TIME_SINCE_LAST_SUCCESS,
                  status,
                  TimeUnit.NANOSECONDS,
                  ServiceStatus::nanosSinceLastSuccess)
              .description(
                  "Time since the last successful iteration of a loop service ended (or since it was first "
                      + "started, before its first success)")
              .tags(tags)
              .register(registry));
      add(
          Gauge.builder(CONSECUTIVE_FAILURES, status, ServiceStatus::consecutiveFailures)
              .description(
                  "Failed or timed-out iterations of a loop service in a row; 0 after a success or a restart")
              .tags(tags)
              .register(registry));
      for (LoopState state : LoopState.values()) {
        add(stateGauge(status, state).register(registry));
      }
      if (standby) {
        add(
            Gauge.builder(SERVICE_STATE, status, ServiceStatus::standbyValue)
                .description("1 for the state a loop service is in, 0 for the others")
                .tags(tags)
                .tag(TAG_STATE, STATE_STANDBY)
                .register(registry));
      }
      if (leasesHeld) {
        add(
            Gauge.builder(LEASES_HELD, status, ServiceStatus::leasesHeld)
                .description(
                    "Leases this process holds for a loop service, as reported by the coordinator")
                .tags(tags)
                .register(registry));
      }
    }

    private Counter iterationCounter(Tags tags, String outcome) {
      return Counter.builder(ITERATIONS)
          .description(
              "Iterations of a loop service that ended, or were skipped on purpose, by outcome")
          .tags(tags)
          .tag(TAG_OUTCOME, outcome)
          .register(registry);
    }

    private <M extends Meter> M add(M meter) {
      all.add(meter);
      return meter;
    }

    void record(IterationResult result) {
      iterations.get(result.outcome()).increment();
      durations.get(result.outcome()).record(result.duration());
      if (result.overrun()) {
        overruns.increment();
      }
    }

    void removeFrom() {
      all.forEach(registry::remove);
    }
  }

  // Static, so that the gauge's function captures the state constant and nothing else.
  private static Gauge.Builder<ServiceStatus> stateGauge(ServiceStatus status, LoopState state) {
    return Gauge.builder(SERVICE_STATE, status, s -> s.stateValue(state))
        .description("1 for the state a loop service is in, 0 for the others")
        .tags(serviceTags(status.name()))
        .tag(TAG_STATE, LoopMetrics.tagValue(state));
  }

  /** The tags every meter of the service named {@code service} has. */
  private static Tags serviceTags(String service) {
    return Tags.of(TAG_SERVICE, service, TAG_INTERNAL, LoopMetrics.internalTagValue(service));
  }
}
