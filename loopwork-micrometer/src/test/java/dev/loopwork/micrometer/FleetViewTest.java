package dev.loopwork.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopEngine;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: with a fleet view, the gauges are true on a standby replica: standby instead of
 * running, and the time since the last success counted from the last success anywhere, with no
 * sample where the service never ran and no success is known.
 */
class FleetViewTest {
  private static final String NAME = "expire-sessions";

  private final ManualClock clock = new ManualClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private volatile boolean runsHere;
  private volatile Optional<Duration> sinceFleetSuccess = Optional.empty();
  private volatile RuntimeException fleetFailure;
  private final LoopMetrics metrics =
      LoopMetrics.builder()
          .clock(clock)
          .fleetView(
              new FleetView() {
                @Override
                public boolean runsHere(String service) {
                  throwIfFailing();
                  return runsHere;
                }

                @Override
                public Optional<Duration> timeSinceLastSuccess(String service) {
                  throwIfFailing();
                  return sinceFleetSuccess;
                }
              })
          .build();
  private final LoopEngine engine = LoopTesting.engine(clock, metrics);
  private final ScriptedService service = new ScriptedService(NAME, clock);

  FleetViewTest() {
    metrics.bindTo(registry);
  }

  private void throwIfFailing() {
    if (fleetFailure != null) {
      throw fleetFailure;
    }
  }

  @Test
  void aServiceThatAnotherReplicaRunsIsOnStandbyNotRunning() {
    engine.start(service);
    assertThat(states()).containsExactly(Map.entry("standby", 1.0));

    runsHere = true;
    assertThat(states()).containsExactly(Map.entry("running", 1.0));
  }

  @Test
  void aStandbyCountsFromTheLastSuccessAnywhereAndHasNoSampleBeforeOne() {
    service.fail(); // no success here (no coordinator in this test holds the iteration back)
    engine.start(service);
    clock.advance(Duration.ofSeconds(9));
    assertThat(secondsSinceLastSuccess()).isNaN();

    sinceFleetSuccess = Optional.of(Duration.ofSeconds(3));
    assertThat(secondsSinceLastSuccess()).isEqualTo(3);
  }

  @Test
  void theReplicaThatRunsTheServiceCountsFromItsOwnStartBeforeAnySuccess() {
    runsHere = true;
    service.fail();
    engine.start(service);
    clock.advance(Duration.ofSeconds(4));
    assertThat(secondsSinceLastSuccess()).isEqualTo(4);
  }

  @Test
  void aSuccessHereOrAnywhereWhicheverIsLaterCounts() {
    runsHere = true;
    engine.start(service); // succeeds at once
    clock.advance(Duration.ofSeconds(8));
    sinceFleetSuccess = Optional.of(Duration.ofSeconds(30));
    assertThat(secondsSinceLastSuccess()).isEqualTo(8);
    sinceFleetSuccess = Optional.of(Duration.ofSeconds(2));
    assertThat(secondsSinceLastSuccess()).isEqualTo(2);
  }

  @Test
  void aFailingFleetViewLeavesTheGaugesOfThisReplica() {
    runsHere = true;
    engine.start(service);
    clock.advance(Duration.ofSeconds(5));
    fleetFailure = new IllegalStateException("database away");
    assertThat(secondsSinceLastSuccess()).isEqualTo(5);
    assertThat(states()).containsExactly(Map.entry("running", 1.0));
  }

  private double secondsSinceLastSuccess() {
    return MeterReads.secondsSinceLastSuccess(registry, NAME);
  }

  private Map<String, Double> states() {
    return MeterReads.states(registry, NAME);
  }
}
