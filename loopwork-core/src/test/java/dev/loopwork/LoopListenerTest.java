package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import dev.loopwork.test.RecordingListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The listener SPI sees every state change and every iteration; a throwing listener changes
 * nothing.
 */
class LoopListenerTest {
  private final ManualClock clock = new ManualClock();

  @Test
  void seesStateChangesAndEveryIterationWithItsOutcome() {
    AtomicInteger runs = new AtomicInteger();
    LoopService service =
        LoopService.of(
            "svc",
            LoopOptions.builder().loopInterval(Duration.ofSeconds(10)).handleSignals(false).build(),
            () -> {
              clock.advance(Duration.ofSeconds(runs.incrementAndGet() == 2 ? 12 : 1));
              if (runs.get() == 2) {
                throw new IllegalStateException("second fails");
              }
            });
    RecordingListener recorder = new RecordingListener();
    LoopHandle handle = LoopTesting.engine(clock, recorder).start(service);
    clock.advance(Duration.ofSeconds(20));
    handle.stop();

    assertThat(recorder.events())
        .containsExactly(
            "svc NEW->STARTING", "svc STARTING->RUNNING",
            "svc start 1", "svc end 1 SUCCEEDED",
            "svc start 2", "svc end 2 FAILED",
            "svc start 3", "svc end 3 SUCCEEDED",
            "svc RUNNING->STOPPING", "svc STOPPING->STOPPED");
    List<IterationResult> results = recorder.iterations();
    assertThat(results)
        .extracting(IterationResult::duration)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(12), Duration.ofSeconds(1));
    assertThat(results).extracting(IterationResult::overrun).containsExactly(false, true, false);
    assertThat(results).extracting(IterationResult::consecutiveFailures).containsExactly(0, 1, 0);
    assertThat(results.get(1).failure())
        .get()
        .hasFieldOrPropertyWithValue("message", "second fails");
    assertThat(results.get(0).startedAt()).isEqualTo(ManualClock.DEFAULT_START);
    assertThat(results.get(1).startedAt()).isEqualTo(ManualClock.DEFAULT_START.plusSeconds(10));
    assertThat(results.get(2).startedAt()).isEqualTo(ManualClock.DEFAULT_START.plusSeconds(22));
  }

  @Test
  void serviceListenersAndEngineListenersBothSeeTheRun() {
    RecordingListener engineLevel = new RecordingListener();
    RecordingListener serviceLevel = new RecordingListener();
    LoopService service = LoopService.of("svc", Duration.ofSeconds(1), () -> {});
    service.addListener(serviceLevel);
    LoopTesting.engine(clock, engineLevel).start(service, 1);
    assertThat(serviceLevel.events()).isEqualTo(engineLevel.events()).hasSize(6);
    service.removeListener(serviceLevel);
    LoopTesting.engine(clock).start(service, 1);
    assertThat(serviceLevel.events()).hasSize(6);
  }

  @Test
  void aThrowingListenerIsLoggedAndIgnored() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    LoopService service = LoopService.of("svc", Duration.ZERO, runs::incrementAndGet);
    LoopListener broken =
        new LoopListener() {
          @Override
          public void onStateChange(LoopService s, LoopState from, LoopState to) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onIterationStart(LoopService s, long iteration) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            throw new IllegalStateException("listener bug");
          }
        };
    RecordingListener after = new RecordingListener();
    try (LogCapture log = LogCapture.of("dev.loopwork")) {
      LoopTesting.engine(clock, broken, after).start(service, 3).await();
      assertThat(log.messages(Level.WARN))
          .hasSize(4 + 3 * 2)
          .allSatisfy(
              m ->
                  assertThat(m)
                      .contains("failed in")
                      .contains("for loop service svc; ignoring it"));
    }
    assertThat(runs).hasValue(3);
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
    assertThat(after.iterations()).hasSize(3);
  }
}
