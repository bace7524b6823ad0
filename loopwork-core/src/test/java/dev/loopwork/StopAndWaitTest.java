package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A waiting service holds one timer and no thread; stop wakes it without any time passing. */
class StopAndWaitTest {
  private final ManualClock clock = new ManualClock();
  private final AtomicInteger runs = new AtomicInteger();
  private final LoopService service =
      LoopService.of(
          "idle",
          LoopOptions.builder().loopInterval(Duration.ofSeconds(60)).handleSignals(false).build(),
          runs::incrementAndGet);

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
    LoopService selfStopping =
        new LoopService(Duration.ofSeconds(1), false) {
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
    LoopEngine engine =
        LoopEngine.builder()
            .clock(clock)
            .executor(Runnable::run)
            .options(
                s ->
                    s.options().toBuilder()
                        .loopInterval(Duration.ofSeconds(5))
                        .handleSignals(false)
                        .build())
            .build();
    LoopHandle handle = engine.start(service);
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(10));
    assertThat(runs).hasValue(3);
    handle.stop();
    assertThat(service.loopInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  /**
   * Issue 11: the stop flag belongs to the run, so the handle of an earlier run cannot end a later
   * one.
   */
  @Test
  void theHandleOfAnEarlierRunDoesNotStopALaterOne() throws InterruptedException {
    LoopEngine engine = LoopTesting.engine(clock);
    LoopHandle first = engine.start(service);
    first.stop();
    first.await();
    LoopHandle second = engine.start(service);
    assertThat(service.isStopRequested()).isFalse();

    first.stop();

    assertThat(second.isDone()).isFalse();
    assertThat(service.isStopRequested()).isFalse();
    assertThat(service.state()).isEqualTo(LoopState.RUNNING);
    clock.advance(Duration.ofSeconds(60));
    assertThat(runs).hasValue(3);
    second.stop();
    assertThat(second.isDone()).isTrue();
    assertThat(service.isStopRequested()).isTrue();
  }

  /**
   * A bulk stop asks every run first and then ends them one by one, each isolated: an {@code
   * onStop} that throws an Error, or a listener that throws, skips no other run's shutdown.
   */
  @Test
  void stopAllEndsEveryRunEvenWhenOneOnStopThrowsAnError() throws InterruptedException {
    AtomicInteger stopped = new AtomicInteger();
    LoopEngine engine = LoopTesting.engine(clock);
    List<LoopHandle> handles = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      boolean failing = i == 1;
      handles.add(
          engine.start(
              new LoopService(Duration.ofSeconds(60), false) {
                @Override
                protected void runOnce() {}

                @Override
                protected void onStop() {
                  stopped.incrementAndGet();
                  if (failing) {
                    throw new AssertionError("onStop broke");
                  }
                }
              }));
    }

    engine.stopAll(handles);

    assertThat(stopped).hasValue(5);
    assertThat(handles).allMatch(LoopHandle::isDone);
    assertThat(handles)
        .extracting(h -> h.service().state())
        .containsExactly(
            LoopState.STOPPED,
            LoopState.FAILED,
            LoopState.STOPPED,
            LoopState.STOPPED,
            LoopState.STOPPED);
    assertThat(clock.pendingTimers()).isZero();
  }

  /**
   * Issue 11: an Error ends the loop even when it comes from an iteration that had already timed
   * out.
   */
  @Test
  void anErrorAfterTheIterationTimedOutStillEndsTheLoop() {
    LoopService late =
        LoopService.of(
            "late",
            LoopOptions.builder()
                .loopInterval(Duration.ofSeconds(1))
                .iterationTimeout(Duration.ofMillis(100))
                .handleSignals(false)
                .build(),
            () -> {
              runs.incrementAndGet();
              clock.advance(Duration.ofMillis(200)); // outlives its timeout, which interrupts it
              Thread.interrupted();
              throw new AssertionError("after the timeout");
            });
    LoopHandle handle = LoopTesting.engine(clock).start(late, 5);

    assertThat(handle.isDone()).isTrue();
    assertThat(runs).hasValue(1);
    assertThat(late.state()).isEqualTo(LoopState.FAILED);
    assertThatThrownBy(handle::await)
        .isInstanceOf(AssertionError.class)
        .hasMessage("after the timeout");
  }
}
