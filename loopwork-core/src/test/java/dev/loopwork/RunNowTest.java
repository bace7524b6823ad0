package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An extra iteration on request, without changing the schedule. */
class RunNowTest {
  private final ManualClock clock = new ManualClock();
  private final List<Duration> starts = new ArrayList<>();

  private LoopService recording(Runnable inside) {
    return LoopService.of(
        "svc",
        LoopOptions.builder().loopInterval(Duration.ofSeconds(60)).handleSignals(false).build(),
        () -> {
          starts.add(clock.elapsed());
          inside.run();
        });
  }

  @Test
  void aWaitingServiceRunsAnExtraIterationAtOnceAndKeepsItsSchedule() {
    LoopService service = recording(() -> {});
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofSeconds(10));
    assertThat(service.runNow()).isTrue();
    clock.advance(Duration.ofSeconds(110));
    assertThat(starts).containsExactly(secs(0), secs(10), secs(60), secs(120));
    assertThat(clock.pendingTimers()).isEqualTo(1);
  }

  @Test
  void aRequestDuringAnIterationRunsRightAfterItAndCountsOnce() {
    LoopService[] self = new LoopService[1];
    self[0] =
        recording(
            () -> {
              if (starts.size() == 1) {
                self[0].runNow();
                self[0].runNow();
                clock.advance(Duration.ofSeconds(2));
              }
            });
    LoopTesting.engine(clock).start(self[0]);
    clock.advance(Duration.ofSeconds(60));
    assertThat(starts).containsExactly(secs(0), secs(2), secs(60));
  }

  @Test
  void aServiceThatIsNotRunningIgnoresTheRequest() {
    LoopService service = recording(() -> {});
    assertThat(service.runNow()).isFalse();
    LoopHandle handle = LoopTesting.engine(clock).start(service);
    handle.stop();
    assertThat(service.runNow()).isFalse();
    clock.advance(Duration.ofSeconds(120));
    assertThat(starts).containsExactly(secs(0));
  }

  private static Duration secs(long seconds) {
    return Duration.ofSeconds(seconds);
  }
}
