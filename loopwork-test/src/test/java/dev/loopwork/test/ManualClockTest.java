package dev.loopwork.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.LoopClock;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The clock and engine that users' tests drive by hand. (The engine's own tests use them too, in
 * loopwork-core.)
 */
class ManualClockTest {
  private final ManualClock clock = new ManualClock();

  @Test
  void advanceRunsDueTimersInDeadlineOrderReadingEachDeadline() {
    List<String> fired = new ArrayList<>();
    clock.schedule(Duration.ofSeconds(3).toNanos(), () -> fired.add("3s at " + clock.elapsed()));
    clock.schedule(
        Duration.ofSeconds(1).toNanos(),
        () -> {
          fired.add("1s at " + clock.elapsed());
          clock.schedule(
              clock.nanoTime() + Duration.ofSeconds(1).toNanos(),
              () -> fired.add("2s at " + clock.elapsed()));
        });
    clock.schedule(Duration.ofSeconds(9).toNanos(), () -> fired.add("9s"));

    clock.advance(Duration.ofSeconds(5));

    assertThat(fired).containsExactly("1s at PT1S", "2s at PT2S", "3s at PT3S");
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(5));
    assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.plusSeconds(5));
    assertThat(clock.pendingTimers()).isEqualTo(1);
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(4));
  }

  @Test
  void aCancelledTimerNeverFiresAndAPastDeadlineFiresOnTheArmingThread() {
    AtomicInteger fired = new AtomicInteger();
    LoopClock.Timer timer = clock.schedule(Duration.ofSeconds(1).toNanos(), fired::incrementAndGet);
    assertThat(timer.cancel()).isTrue();
    assertThat(timer.cancel()).isFalse();
    clock.advance(Duration.ofSeconds(2));
    assertThat(fired).hasValue(0);

    timer.schedule(clock.nanoTime());
    assertThat(fired).hasValue(1);
  }

  @Test
  void refusesToGoBackAndStartsWhereItIsTold() {
    assertThatThrownBy(() -> clock.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must not be negative: PT-0.001S");
    Instant start = Instant.parse("2030-06-01T12:00:00Z");
    assertThat(new ManualClock(start).instant()).isEqualTo(start);
  }

  @Test
  void theTestingEngineRunsEveryDueIterationOnTheAdvancingThread() {
    List<Duration> starts = new ArrayList<>();
    LoopService service =
        LoopService.of("tick", Duration.ofSeconds(10), () -> starts.add(clock.elapsed()));
    RecordingListener listener = new RecordingListener();

    LoopHandle handle = LoopTesting.engine(clock, listener).start(service);
    clock.advance(Duration.ofSeconds(30));
    handle.stop();

    assertThat(starts)
        .containsExactly(
            Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30));
    assertThat(handle.isDone()).isTrue();
    assertThat(listener.iterations()).hasSize(4);
    assertThat(listener.stateChanges())
        .containsExactly(
            "tick NEW->STARTING",
            "tick STARTING->RUNNING",
            "tick RUNNING->STOPPING",
            "tick STOPPING->STOPPED");
  }

  @Test
  void aWallClockStepMovesInstantForwardOrBackButNotTheMonotonicTimeNorTheTimers() {
    List<String> fired = new ArrayList<>();
    clock.schedule(Duration.ofSeconds(10).toNanos(), () -> fired.add("10s"));
    clock.advance(Duration.ofSeconds(2));

    clock.stepWallClock(Duration.ofHours(1));
    assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.plusSeconds(3602));
    assertThat(clock.nanoTime()).isEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(2));
    assertThat(fired).isEmpty();
    assertThat(clock.untilNextTimer()).contains(Duration.ofSeconds(8));

    clock.stepWallClock(Duration.ofHours(-2));
    assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.minusSeconds(3598));

    clock.advance(Duration.ofSeconds(8)); // both readings move together again
    assertThat(fired).containsExactly("10s");
    assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START.minusSeconds(3590));
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(10));
  }
}
