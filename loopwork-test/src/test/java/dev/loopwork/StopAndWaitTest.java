package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A waiting service holds one timer and no thread; stop wakes it without any time passing. */
class StopAndWaitTest {
  private final ManualClock clock = new ManualClock();
  private final AtomicInteger runs = new AtomicInteger();
  private final LoopService service = LoopService.of("idle", LoopOptions.builder()
      .loopInterval(Duration.ofSeconds(60)).handleSignals(false).build(), runs::incrementAndGet);

  @Test
  void aWaitingServiceHoldsExactlyOneTimerForItsNextDueTime() {
    LoopTesting.engine(clock).start(service);
    assertThat(runs).hasValue(1);
    assertThat(clock.pendingTimers()).isEqualTo(1);
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(60));
    clock.advance(Duration.ofSeconds(59));
    assertThat(runs).hasValue(1);
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    assertThat(runs).hasValue(2);
  }

  @Test
  void stopEndsAWaitingServiceWithoutAnyTimePassing() {
    LoopHandle handle = LoopTesting.engine(clock).start(service);
    service.stop(false);
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
    assertThat(clock.pendingTimers()).isZero();
    assertThat(clock.elapsed()).isZero();
    assertThat(runs).hasValue(1);
  }

  @Test
  void handleStopIsIdempotent() {
    LoopHandle handle = LoopTesting.engine(clock).start(service);
    handle.stop();
    handle.stop();
    service.stop();
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void stopRequestedDuringAnIterationEndsTheLoopAfterIt() {
    LoopService selfStopping = new LoopService(Duration.ofSeconds(1), false) {
      @Override
      protected void runOnce() {
        if (runs.incrementAndGet() == 3) {
          stop(false);
        }
      }
    };
    LoopHandle handle = LoopTesting.engine(clock).start(selfStopping);
    clock.advance(Duration.ofSeconds(10));
    assertThat(runs).hasValue(3);
    assertThat(handle.isDone()).isTrue();
    assertThat(selfStopping.isStopRequested()).isTrue();
  }

  @Test
  void anEngineCanRunAServiceWithOptionsOfItsOwnChoosing() {
    LoopEngine engine = LoopEngine.builder().clock(clock).executor(Runnable::run)
        .options(s -> s.options().toBuilder().loopInterval(Duration.ofSeconds(5)).handleSignals(false).build())
        .build();
    LoopHandle handle = engine.start(service);
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(10));
    assertThat(runs).hasValue(3);
    handle.stop();
    assertThat(service.loopInterval()).isEqualTo(Duration.ofSeconds(60));
  }
}
