package dev.loopwork.micrometer;

import static dev.loopwork.micrometer.LoopMetrics.CONSECUTIVE_FAILURES;
import static dev.loopwork.micrometer.LoopMetrics.ITERATIONS;
import static dev.loopwork.micrometer.LoopMetrics.ITERATION_DURATION;
import static dev.loopwork.micrometer.LoopMetrics.LEASES_HELD;
import static dev.loopwork.micrometer.LoopMetrics.OVERRUNS;
import static dev.loopwork.micrometer.LoopMetrics.SERVICE_STATE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_OUTCOME;
import static dev.loopwork.micrometer.LoopMetrics.TAG_SERVICE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_STATE;
import static dev.loopwork.micrometer.ScriptedService.INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopMetricsTest {
  private static final String NAME = "expire-sessions";

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Map<String, Integer> leases = new ConcurrentHashMap<>();
  private final LoopMetrics metrics =
      LoopMetrics.builder().clock(clock).leasesHeld(name -> leases.getOrDefault(name, 0)).build();
  private final LoopEngine engine = LoopTesting.engine(clock, metrics);
  private final ScriptedService service = new ScriptedService(NAME, clock);

  LoopMetricsTest() {
    metrics.bindTo(registry);
  }

  @Test
  void countsIterationsAndTimesThemByOutcome() {
    service
        .succeedAfter(Duration.ofSeconds(1))
        .fail()
        .timeOutAfter(Duration.ofSeconds(7))
        .succeedAfter(Duration.ofSeconds(2));

    engine.start(service);
    runNextIterations(3);

    assertThat(iterations("succeeded")).isEqualTo(2);
    assertThat(iterations("failed")).isEqualTo(1);
    assertThat(iterations("timed_out")).isEqualTo(1);
    assertTimer(duration("succeeded"), 2, Duration.ofSeconds(3), Duration.ofSeconds(2));
    assertTimer(duration("failed"), 1, Duration.ZERO, Duration.ZERO);
    assertTimer(duration("timed_out"), 1, Duration.ofSeconds(7), Duration.ofSeconds(7));
    assertThat(overruns()).isZero();
  }

  /** Issue 18: an iteration skipped on purpose is counted under its outcome, with no duration. */
  @Test
  void countsIterationsSkippedOnPurposeWithoutATimer() {
    engine.start(service);
    metrics.onIterationSkipped(service, "paused");
    metrics.onIterationSkipped(service, "paused");

    assertThat(iterations(LoopMetrics.OUTCOME_SKIPPED)).isEqualTo(2);
    assertThat(iterations("succeeded")).isEqualTo(1);
    assertThat(registry.find(ITERATION_DURATION).tag(TAG_OUTCOME, "skipped").timers()).isEmpty();
    assertThat(gauge(CONSECUTIVE_FAILURES)).isZero();
  }

  @Test
  void countsOnlyIterationsLongerThanTheIntervalAsOverruns() {
    ScriptedService service = new ScriptedService(NAME, clock, null);
    service
        .succeedAfter(INTERVAL.plusSeconds(2)) // overrun; the next iteration follows at once
        .succeedAfter(INTERVAL) // exactly the interval: no overrun, but due again at once
        .succeedAfter(INTERVAL.plusSeconds(1)); // overrun, followed by one more iteration at once

    engine.start(service);

    assertThat(iterations("succeeded")).isEqualTo(4);
    assertThat(overruns()).isEqualTo(2);
  }

  @Test
  void countsConsecutiveFailuresUntilASuccess() {
    service.fail().timeOutAfter(Duration.ofSeconds(6)).fail().succeedAfter(Duration.ZERO).fail();

    engine.start(service);
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(1);
    runNextIterations(1);
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(2);
    runNextIterations(1);
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(3);
    runNextIterations(1);
    assertThat(gauge(CONSECUTIVE_FAILURES)).isZero();
    runNextIterations(1);
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(1);
  }

  @Test
  void measuresTimeSinceTheLastSuccessOrSinceTheFirstStart() {
    service.fail().succeedAfter(Duration.ofSeconds(1));

    engine.start(service);
    clock.advance(Duration.ofSeconds(4));
    assertThat(secondsSinceLastSuccess()).isEqualTo(4);

    runNextIterations(1); // starts at 10 s, succeeds at 11 s
    assertThat(secondsSinceLastSuccess()).isZero();
    clock.advance(Duration.ofSeconds(5));
    assertThat(secondsSinceLastSuccess()).isEqualTo(5);
  }

  @Test
  void showsTheCurrentStateAsOneGaugePerState() {
    LoopHandle handle = engine.start(service);
    assertThat(states()).containsExactly(Map.entry("running", 1.0));

    handle.stop();
    assertThat(states()).containsExactly(Map.entry("stopped", 1.0));
    assertThat(registry.find(SERVICE_STATE).gauges()).hasSize(LoopState.values().length);
  }

  @Test
  void showsTheFailedStateAfterAFatalError() {
    service.failFatally();

    LoopHandle handle = engine.start(service);

    assertThat(handle.isDone()).isTrue();
    assertThat(states()).containsExactly(Map.entry("failed", 1.0));
  }

  @Test
  void keepsGaugesGoingAfterTheServiceStops() {
    service.succeedAfter(Duration.ZERO).fail();
    LoopHandle handle = engine.start(service);
    runNextIterations(1);
    handle.stop();

    clock.advance(Duration.ofMinutes(1));

    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(1);
    assertThat(secondsSinceLastSuccess()).isEqualTo(INTERVAL.plusMinutes(1).toSeconds());
  }

  @Test
  void readsLeasesHeldFromTheCallersFunction() {
    engine.start(service);
    assertThat(gauge(LEASES_HELD)).isZero();

    leases.put(NAME, 1);
    assertThat(gauge(LEASES_HELD)).isEqualTo(1);
  }

  @Test
  void reportsNanForLeasesHeldWhenTheCallersFunctionThrows() {
    LoopMetrics throwing =
        LoopMetrics.builder()
            .clock(clock)
            .leasesHeld(
                name -> {
                  throw new IllegalStateException("coordinator not ready");
                })
            .build();
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    throwing.bindTo(other);

    LoopTesting.engine(clock, throwing).start(service);

    assertThat(other.get(LEASES_HELD).gauge().value()).isNaN();
    assertThat(other.get(ITERATIONS).tag(TAG_OUTCOME, "succeeded").counter().count()).isEqualTo(1);
  }

  @Test
  void registersNoLeasesGaugeWithoutAFunction() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    LoopMetrics plain = LoopMetrics.builder().clock(clock).build();
    plain.bindTo(other);

    LoopTesting.engine(clock, plain).start(service);

    assertThat(other.find(LEASES_HELD).gauge()).isNull();
    assertThat(other.find(ITERATIONS).counters()).isNotEmpty();
  }

  @Test
  void registersEveryMeterAtTheFirstStartWithZeroCounts() {
    ScriptedService never = new ScriptedService("never-iterates", clock);
    never.addListener(
        new LoopListener() {
          @Override
          public void onStateChange(LoopService s, LoopState from, LoopState to) {
            if (to == LoopState.STARTING) {
              s.stop(false); // stops before the first iteration
            }
          }
        });

    engine.start(never);

    assertThat(registry.find(ITERATIONS).tag(TAG_SERVICE, "never-iterates").meters()).hasSize(5);
    assertThat(registry.get(ITERATIONS).tag(TAG_SERVICE, "never-iterates").counters())
        .allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(registry.get(ITERATION_DURATION).tag(TAG_SERVICE, "never-iterates").timers())
        .hasSize(4);
    assertThat(registry.get(OVERRUNS).tag(TAG_SERVICE, "never-iterates").counter().count())
        .isZero();
  }

  @Test
  void publishesTheDefaultPercentiles() {
    service.succeedAfter(Duration.ofSeconds(3));
    engine.start(service);

    ValueAtPercentile[] percentiles = duration("succeeded").takeSnapshot().percentileValues();

    assertThat(Arrays.stream(percentiles).mapToDouble(ValueAtPercentile::percentile))
        .containsExactly(0.5, 0.95, 0.99);
    assertThat(percentiles)
        .allSatisfy(p -> assertThat(p.value(TimeUnit.SECONDS)).isBetween(2.9, 3.1));
  }

  @Test
  void publishesConfiguredPercentiles() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    LoopMetrics configured = LoopMetrics.builder().clock(clock).percentiles(0.75).build();
    configured.bindTo(other);

    LoopTesting.engine(clock, configured).start(service);

    Timer timer = other.get(ITERATION_DURATION).tag(TAG_OUTCOME, "succeeded").timer();
    assertThat(
            Arrays.stream(timer.takeSnapshot().percentileValues())
                .mapToDouble(ValueAtPercentile::percentile))
        .containsExactly(0.75);
  }

  @Test
  void publishesNoPercentilesWhenNoneAreConfigured() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    LoopMetrics configured = LoopMetrics.builder().clock(clock).percentiles().build();
    configured.bindTo(other);

    LoopTesting.engine(clock, configured).start(service);

    Timer timer = other.get(ITERATION_DURATION).tag(TAG_OUTCOME, "succeeded").timer();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.takeSnapshot().percentileValues()).isEmpty();
  }

  @Test
  void rejectsPercentilesOutsideZeroToOne() {
    assertThatThrownBy(() -> LoopMetrics.builder().percentiles(0.5, 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percentiles must be between 0 and 1: 1.5 in [0.5, 1.5]");
    assertThatThrownBy(() -> LoopMetrics.builder().percentiles(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
  }

  @Test
  void continuesTheSameSeriesWhenAServiceWithTheSameNameStartsAgain() {
    service.fail().fail();
    LoopHandle first = engine.start(service);
    runNextIterations(1);
    first.stop();
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(2);

    List<Double> failuresSeenAtRunning = new ArrayList<>();
    ScriptedService again = new ScriptedService(NAME, clock);
    again.addListener(
        new LoopListener() {
          @Override
          public void onStateChange(LoopService s, LoopState from, LoopState to) {
            if (to == LoopState.RUNNING) {
              failuresSeenAtRunning.add(gauge(CONSECUTIVE_FAILURES));
            }
          }
        });
    engine.start(again);

    assertThat(failuresSeenAtRunning).containsExactly(0.0);
    assertThat(iterations("failed")).isEqualTo(2);
    assertThat(iterations("succeeded")).isEqualTo(1);
    assertThat(states()).containsExactly(Map.entry("running", 1.0));
  }

  @Test
  void holdsNoReferenceToAStoppedService() {
    WeakReference<LoopService> stopped = runOnceAndStop(new ScriptedService(NAME, clock).fail());

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              System.gc();
              assertThat(stopped.get()).isNull();
            });
    assertThat(gauge(CONSECUTIVE_FAILURES)).isEqualTo(1);
    assertThat(states()).containsExactly(Map.entry("stopped", 1.0));
  }

  private WeakReference<LoopService> runOnceAndStop(LoopService scripted) {
    engine.start(scripted).stop();
    return new WeakReference<>(scripted);
  }

  @Test
  void registersMetersOfServicesSeenBeforeARegistryIsBound() {
    engine.start(service);
    SimpleMeterRegistry late = new SimpleMeterRegistry();

    metrics.bindTo(late);

    assertThat(
            late.get(SERVICE_STATE).tags(TAG_SERVICE, NAME, TAG_STATE, "running").gauge().value())
        .isEqualTo(1);
    assertThat(
            late.get(ITERATIONS)
                .tags(TAG_SERVICE, NAME, TAG_OUTCOME, "succeeded")
                .counter()
                .count())
        .isZero();
    runNextIterations(1);
    assertThat(
            late.get(ITERATIONS)
                .tags(TAG_SERVICE, NAME, TAG_OUTCOME, "succeeded")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void bindingTheSameRegistryTwiceCountsOnce() {
    metrics.bindTo(registry);

    engine.start(service);

    assertThat(iterations("succeeded")).isEqualTo(1);
  }

  @Test
  void forgetRemovesOneServicesMeters() {
    engine.start(service).stop();
    ScriptedService other = new ScriptedService("purge-events", clock);
    engine.start(other).stop();

    metrics.forget(NAME);

    assertThat(registry.find(ITERATIONS).tag(TAG_SERVICE, NAME).meters()).isEmpty();
    assertThat(registry.find(SERVICE_STATE).tag(TAG_SERVICE, NAME).meters()).isEmpty();
    assertThat(registry.find(ITERATIONS).tag(TAG_SERVICE, "purge-events").meters()).hasSize(5);
  }

  @Test
  void forgottenServiceStartsFromZeroWhenItRunsAgain() {
    service.fail();
    engine.start(service).stop();
    metrics.forget(NAME);

    engine.start(service);

    assertThat(iterations("failed")).isZero();
    assertThat(iterations("succeeded")).isEqualTo(1);
  }

  @Test
  void closeRemovesEveryMeterAndStopsRecording() {
    LoopHandle handle = engine.start(service);

    metrics.close();
    runNextIterations(1);
    handle.stop();

    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void canBeBoundAgainAfterClose() {
    LoopHandle handle = engine.start(service);
    metrics.close();
    runNextIterations(1);

    metrics.bindTo(registry);
    runNextIterations(1);

    assertThat(iterations("succeeded")).isEqualTo(1);
    handle.stop();
    assertThat(states()).containsExactly(Map.entry("stopped", 1.0));
  }

  // --- helpers ---

  /** Advances the clock to each of the next {@code count} due iterations, running them. */
  private void runNextIterations(int count) {
    for (int i = 0; i < count; i++) {
      clock.advance(
          clock
              .untilNextTimer()
              .orElseThrow(() -> new AssertionError("no iteration is scheduled")));
    }
  }

  private double iterations(String outcome) {
    return registry.get(ITERATIONS).tags(TAG_SERVICE, NAME, TAG_OUTCOME, outcome).counter().count();
  }

  private Timer duration(String outcome) {
    return registry.get(ITERATION_DURATION).tags(TAG_SERVICE, NAME, TAG_OUTCOME, outcome).timer();
  }

  private double overruns() {
    return registry.get(OVERRUNS).tag(TAG_SERVICE, NAME).counter().count();
  }

  private double gauge(String name) {
    return registry.get(name).tag(TAG_SERVICE, NAME).gauge().value();
  }

  private double secondsSinceLastSuccess() {
    return MeterReads.secondsSinceLastSuccess(registry, NAME);
  }

  /** The state gauges of the service that read non-zero, by state tag. */
  private Map<String, Double> states() {
    return MeterReads.states(registry, NAME);
  }

  private static void assertTimer(Timer timer, long count, Duration total, Duration max) {
    assertThat(timer.count()).as("count of %s", timer.getId()).isEqualTo(count);
    assertThat(timer.totalTime(TimeUnit.NANOSECONDS))
        .as("total of %s", timer.getId())
        .isEqualTo(total.toNanos());
    assertThat(timer.max(TimeUnit.NANOSECONDS))
        .as("max of %s", timer.getId())
        .isEqualTo(max.toNanos());
  }
}
