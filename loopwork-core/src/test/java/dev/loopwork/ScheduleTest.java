package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;

/** When iterations start: the schedule counts from due times, never drifts and never bursts. */
class ScheduleTest {
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private final ManualClock clock = new ManualClock();

  /**
   * A service that records the clock's elapsed time at each start and "takes" a scripted time to
   * run.
   */
  private final class Timed extends LoopService {
    final List<Duration> starts = new ArrayList<>();
    final BlockingQueue<Duration> durations = new ArrayBlockingQueue<>(100);

    Timed(Duration interval) {
      super(interval, false);
    }

    Timed(LoopOptions options) {
      super(options);
    }

    @Override
    protected void runOnce() {
      starts.add(clock.elapsed());
      Duration takes = durations.poll();
      if (takes != null) {
        clock.advance(takes);
      }
    }
  }

  @Test
  void nextIterationIsDueOneIntervalAfterThePreviousStartNotItsEnd() {
    Timed service = new Timed(INTERVAL);
    service.durations.add(Duration.ofMillis(20));
    service.durations.add(Duration.ofMillis(30));
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofMillis(150));
    assertThat(service.starts).containsExactly(ms(0), ms(50), ms(100), ms(150));
  }

  @Test
  void anInitialDelayPutsTheFirstIterationThatLateAndTheOthersOnItsGrid() {
    Timed service =
        new Timed(
            LoopOptions.builder()
                .loopInterval(INTERVAL)
                .initialDelay(Duration.ofMillis(120))
                .handleSignals(false)
                .build());
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofMillis(119));
    assertThat(service.starts).isEmpty();
    clock.advance(Duration.ofMillis(100));
    assertThat(service.starts).containsExactly(ms(120), ms(170));
  }

  @Test
  void lateWakeUpsNeverAddUpOverTenThousandIterations() {
    // Every timer fires 3 ms late; a schedule counted from the wake-up would drift by 3 ms per
    // iteration.
    LaggingClock lagging = new LaggingClock(clock, Duration.ofMillis(3));
    Timed service = new Timed(INTERVAL);
    LoopEngine engine = LoopEngine.builder().clock(lagging).executor(Runnable::run).build();
    engine.start(service);
    for (int i = 0; i < 10_000; i++) {
      clock.advance(INTERVAL);
    }
    assertThat(service.starts).hasSize(10_000);
    for (int k = 1; k < service.starts.size(); k++) {
      assertThat(service.starts.get(k)).isEqualTo(INTERVAL.multipliedBy(k).plusMillis(3));
    }
  }

  @Test
  void anOverrunIsFollowedAtOnceByOneIterationAndTheScheduleReanchors() {
    Timed service = new Timed(INTERVAL);
    service.durations.add(Duration.ofMillis(170)); // overruns three due times: 50, 100, 150
    service.durations.add(Duration.ofMillis(10));
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofMillis(400).minus(clock.elapsed()));
    // No catch-up burst at 170: one iteration at once, then every 50 ms from there.
    assertThat(service.starts).containsExactly(ms(0), ms(170), ms(220), ms(270), ms(320), ms(370));
  }

  @Test
  void aWakeUpLaterThanTheNextDueTimeDoesNotCauseACatchUpRun() {
    LaggingClock lagging = new LaggingClock(clock, Duration.ofMillis(70));
    Timed service = new Timed(INTERVAL);
    LoopEngine.builder().clock(lagging).executor(Runnable::run).build().start(service);
    clock.advance(Duration.ofMillis(300));
    // Due at 50, woke at 120 (past the next due time, 100): the slot at 100 is skipped, the next is
    // due at 150 (and
    // fires 70 ms late, at 220); the grid of due times is kept, so late wake-ups cause no drift
    // either.
    assertThat(service.starts).containsExactly(ms(0), ms(120), ms(220));
  }

  @Test
  void zeroIntervalRunsIterationsBackToBack() throws InterruptedException {
    Timed service = new Timed(Duration.ZERO);
    for (int i = 0; i < 5; i++) {
      service.durations.add(Duration.ofMillis(7));
    }
    LoopHandle handle = LoopTesting.engine(clock).start(service, 5);
    handle.await();
    assertThat(service.starts).containsExactly(ms(0), ms(7), ms(14), ms(21), ms(28));
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void overrunIsLoggedAsWarningWithTheDurationAndTheInterval() {
    Timed service = new Timed(Duration.ofMillis(100));
    service.durations.add(Duration.ofMillis(150));
    try (LogCapture log = LogCapture.services()) {
      LoopTesting.engine(clock).start(service);
      clock.advance(Duration.ofMillis(500));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Timed took 0.150 s to run, which is longer than its loop interval of 0.100 s.");
      assertThat(log.events())
          .allSatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("loopwork.services.timed"));
    }
  }

  @Test
  void zeroIntervalNeverWarnsAboutOverruns() throws InterruptedException {
    Timed service = new Timed(Duration.ZERO);
    for (int i = 0; i < 10; i++) {
      service.durations.add(Duration.ofMillis(5));
    }
    try (LogCapture log = LogCapture.services()) {
      LoopTesting.engine(clock).start(service, 10).await();
      assertThat(log.messages(Level.WARN)).isEmpty();
    }
  }

  @Test
  void jitterDelaysEachDueTimeWithinItsBoundWithoutAccumulating() {
    Duration jitter = Duration.ofMillis(20);
    LoopService service =
        new LoopService(
            LoopOptions.builder()
                .loopInterval(Duration.ofSeconds(1))
                .jitter(jitter)
                .handleSignals(false)
                .build()) {
          @Override
          protected void runOnce() {}
        };
    List<Instant> starts = new ArrayList<>();
    service.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            starts.add(result.startedAt());
          }
        });
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofSeconds(500));
    assertThat(starts).hasSizeGreaterThanOrEqualTo(499);
    boolean jittered = false;
    for (int k = 1; k < starts.size(); k++) {
      Duration offset = Duration.between(ManualClock.DEFAULT_START.plusSeconds(k), starts.get(k));
      assertThat(offset).isBetween(Duration.ZERO, jitter);
      jittered |= !offset.isZero();
    }
    assertThat(jittered).as("some start was delayed").isTrue();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** A clock whose timers fire a fixed time after their deadline, like a busy machine's. */
  private static final class LaggingClock extends DelegatingClock {
    private final long lagNanos;

    LaggingClock(ManualClock delegate, Duration lag) {
      super(delegate);
      this.lagNanos = lag.toNanos();
    }

    @Override
    public Timer newTimer(Runnable action) {
      Timer timer = delegate.newTimer(action);
      return new Timer() {
        @Override
        public void schedule(long deadlineNanos) {
          timer.schedule(deadlineNanos + lagNanos);
        }

        @Override
        public boolean cancel() {
          return timer.cancel();
        }
      };
    }
  }
}
