package dev.loopwork.micrometer;

import static dev.loopwork.micrometer.LoopMetrics.CONSECUTIVE_FAILURES;
import static dev.loopwork.micrometer.LoopMetrics.ITERATIONS;
import static dev.loopwork.micrometer.LoopMetrics.OVERRUNS;
import static dev.loopwork.micrometer.LoopMetrics.TAG_OUTCOME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopState;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import dev.loopwork.test.RecordingListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.cumulative.CumulativeCounter;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A registry that throws loses its own metrics and nothing else. */
class FailingRegistryTest {
  private final ManualClock clock = new ManualClock();
  private final LoopMetrics metrics = LoopMetrics.builder().clock(clock).build();
  private final SimpleMeterRegistry healthy = new SimpleMeterRegistry();
  private final RecordingListener recorder = new RecordingListener();

  @Test
  void registryThatCannotRegisterMetersBreaksNeitherTheLoopNorOtherRegistries() {
    SimpleMeterRegistry refusing = new SimpleMeterRegistry();
    refusing
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                throw new IllegalStateException("registry refuses " + id.getName());
              }
            });

    runScriptBoundTo(refusing);

    assertThat(refusing.getMeters()).isEmpty();
    assertHealthyRegistrySawEverything();
  }

  @Test
  void registryWhoseMetersThrowBreaksNeitherTheLoopNorOtherRegistries() {
    RecordingFailsRegistry failing = new RecordingFailsRegistry();

    runScriptBoundTo(failing);

    assertThat(failing.getMeters()).isNotEmpty();
    assertHealthyRegistrySawEverything();
  }

  @Test
  void listenerNeverThrowsWhenItsRegistryDoes() {
    metrics.bindTo(new RecordingFailsRegistry());
    ScriptedService service = new ScriptedService("direct", clock);
    IterationResult result =
        new IterationResult(
            "direct",
            1,
            Instant.EPOCH,
            Duration.ofSeconds(11),
            IterationOutcome.SUCCEEDED,
            null,
            true,
            0);

    assertThatCode(
            () -> {
              metrics.onStateChange(service, LoopState.NEW, LoopState.STARTING);
              metrics.onIterationEnd(service, result);
            })
        .doesNotThrowAnyException();
  }

  /**
   * Binds the failing registry first, so that the healthy one is only reached if the failure was
   * contained.
   */
  private void runScriptBoundTo(MeterRegistry failing) {
    metrics.bindTo(failing);
    metrics.bindTo(healthy);
    ScriptedService service = new ScriptedService("guarded", clock, null);
    service
        .succeedAfter(Duration.ZERO)
        .fail()
        .succeedAfter(ScriptedService.INTERVAL.plusSeconds(1));
    LoopHandle handle = LoopTesting.engine(clock, metrics, recorder).start(service);
    clock.advance(ScriptedService.INTERVAL.multipliedBy(2));

    assertThat(service.state()).isEqualTo(LoopState.RUNNING);
    handle.stop();
  }

  /**
   * The script ran whole, every listener after the metrics saw it, and the healthy registry counted
   * it.
   */
  private void assertHealthyRegistrySawEverything() {
    assertThat(recorder.iterations())
        .extracting(IterationResult::outcome)
        .containsExactly(
            IterationOutcome.SUCCEEDED,
            IterationOutcome.FAILED,
            IterationOutcome.SUCCEEDED,
            IterationOutcome.SUCCEEDED);
    assertThat(recorder.stateChanges()).last().isEqualTo("guarded STOPPING->STOPPED");
    assertThat(healthy.get(ITERATIONS).tag(TAG_OUTCOME, "succeeded").counter().count())
        .isEqualTo(3);
    assertThat(healthy.get(ITERATIONS).tag(TAG_OUTCOME, "failed").counter().count()).isEqualTo(1);
    assertThat(healthy.get(OVERRUNS).counter().count()).isEqualTo(1);
    assertThat(healthy.get(CONSECUTIVE_FAILURES).gauge().value()).isZero();
  }

  /** Registers meters normally, but every counter and timer throws when something is recorded. */
  private static final class RecordingFailsRegistry extends SimpleMeterRegistry {
    @Override
    protected Counter newCounter(Meter.Id id) {
      return new CumulativeCounter(id) {
        @Override
        public void increment(double amount) {
          throw new IllegalStateException("counter " + id.getName() + " is broken");
        }
      };
    }

    @Override
    protected Timer newTimer(
        Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
      return new CumulativeTimer(id, clock, config, pauseDetector, TimeUnit.SECONDS, false) {
        @Override
        protected void recordNonNegative(long amount, TimeUnit unit) {
          throw new IllegalStateException("timer " + id.getName() + " is broken");
        }
      };
    }
  }
}
