package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/**
 * Calendar services on the manual clock: each fire runs once at its wall-clock instant, through
 * wall-clock steps back and forward, overruns, and a schedule that ends.
 */
class CalendarScheduleTest {
  private static final Instant T0 = ManualClock.DEFAULT_START;

  private final ManualClock clock = new ManualClock();
  private final List<IterationResult> results = new ArrayList<>();
  private final LoopEngine engine =
      LoopTesting.engine(
          clock,
          new LoopListener() {
            @Override
            public void onIterationEnd(LoopService service, IterationResult result) {
              results.add(result);
            }
          });

  /** Fires at every multiple of {@code seconds} seconds of the epoch: a wall-clock grid. */
  record EverySeconds(long seconds) implements CalendarSchedule {
    @Override
    public Instant nextFireAfter(Instant instant) {
      return Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), seconds) * seconds)
          .plusSeconds(seconds);
    }

    @Override
    public Duration period() {
      return Duration.ofSeconds(seconds);
    }

    @Override
    public String description() {
      return "every " + seconds + " s";
    }
  }

  /** Fires at the given instants only. */
  record At(List<Instant> fires) implements CalendarSchedule {
    @Override
    public Instant nextFireAfter(Instant instant) {
      return fires.stream().filter(f -> f.isAfter(instant)).findFirst().orElse(null);
    }

    @Override
    public Duration period() {
      return Duration.ofSeconds(10);
    }
  }

  /**
   * Records the wall-clock instant at each start, and "takes" a scripted time to run on the clock.
   */
  private final class Nightly extends LoopService {
    final List<Instant> starts = new ArrayList<>();
    final BlockingQueue<Duration> durations = new ArrayBlockingQueue<>(100);
    int stops;

    Nightly(CalendarSchedule schedule) {
      this(LoopOptions.builder().schedule(schedule));
    }

    Nightly(LoopOptions.Builder options) {
      super(options.handleSignals(false).build());
    }

    @Override
    protected void runOnce() {
      starts.add(clock.instant());
      Duration takes = durations.poll();
      if (takes != null) {
        clock.advance(takes);
      }
    }

    @Override
    protected void onStop() {
      stops++;
    }
  }

  @Test
  void eachFireRunsOnceAtItsWallClockInstantAndNothingRunsAtTheStart() {
    Nightly service = new Nightly(new EverySeconds(10));
    engine.start(service);
    assertThat(service.starts).isEmpty();
    clock.advance(Duration.ofSeconds(35));
    assertThat(service.starts).containsExactly(at(10), at(20), at(30));
    assertThat(clock.pendingTimers()).isEqualTo(1);
  }

  @Test
  void aWallClockStepBackIsWaitedOutSoNoFireRunsEarlyOrTwice() {
    Nightly service = new Nightly(new EverySeconds(10));
    engine.start(service);
    clock.advance(Duration.ofSeconds(5));
    clock.stepWallClock(Duration.ofSeconds(-60)); // the wall clock reads T0-55s
    clock.advance(Duration.ofSeconds(5)); // the wait for T0+10s ends on the monotonic clock
    assertThat(service.starts).as("nothing runs before the fire's wall-clock time").isEmpty();
    clock.advance(Duration.ofSeconds(59));
    assertThat(service.starts).isEmpty();
    clock.advance(Duration.ofSeconds(1)); // the wall clock reads T0+10s
    assertThat(service.starts).containsExactly(at(10));

    clock.stepWallClock(Duration.ofSeconds(-8)); // back before the fire that just ran
    clock.advance(Duration.ofSeconds(8)); // T0+10s again: that fire has run
    assertThat(service.starts).containsExactly(at(10));
    clock.advance(Duration.ofSeconds(10));
    assertThat(service.starts).containsExactly(at(10), at(20));
  }

  @Test
  void aForwardStepPastSeveralFiresRunsOneIterationWithinTheGraceAndWarnsOfTheSkippedOnes() {
    Nightly service = new Nightly(new EverySeconds(10)); // grace: one period, 10 s
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofSeconds(5));
      clock.stepWallClock(Duration.ofSeconds(35)); // the wall clock reads T0+40s
      clock.advance(Duration.ofSeconds(5)); // T0+45s: 10, 20, 30 and 40 have passed
      assertThat(service.starts).containsExactly(at(45));
      clock.advance(Duration.ofSeconds(15));
      assertThat(service.starts).containsExactly(at(45), at(50), at(60));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service Nightly skipped 3 fire times (2026-01-01T00:00:10Z,"
                  + " 2026-01-01T00:00:20Z, 2026-01-01T00:00:30Z) of its schedule every 10 s; the"
                  + " wall clock reads 2026-01-01T00:00:45Z. It runs once now, for"
                  + " 2026-01-01T00:00:40Z, which is within its misfire grace of 10.000 s.");
    }
  }

  @Test
  void aForwardStepWhoseLatestFireIsOlderThanTheGraceSkipsThemAll() {
    Nightly service =
        new Nightly(
            LoopOptions.builder()
                .schedule(new EverySeconds(10))
                .misfireGrace(Duration.ofSeconds(3)));
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofSeconds(5));
      clock.stepWallClock(Duration.ofSeconds(25)); // T0+30s
      clock.advance(Duration.ofSeconds(5)); // T0+35s: 10, 20, 30 passed, 30 is 5 s old
      assertThat(service.starts).isEmpty();
      clock.advance(Duration.ofSeconds(5));
      assertThat(service.starts).containsExactly(at(40));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service Nightly skipped 3 fire times (2026-01-01T00:00:10Z,"
                  + " 2026-01-01T00:00:20Z, 2026-01-01T00:00:30Z) of its schedule every 10 s; the"
                  + " wall clock reads 2026-01-01T00:00:35Z, and the latest is older than its"
                  + " misfire grace of 3.000 s. Next fire time: 2026-01-01T00:00:40Z.");
    }
  }

  @Test
  void aZeroGraceSkipsAMissedFireButNotOneThatIsOnTime() {
    Nightly service =
        new Nightly(
            LoopOptions.builder().schedule(new EverySeconds(10)).misfireGrace(Duration.ZERO));
    engine.start(service);
    clock.advance(Duration.ofSeconds(10));
    assertThat(service.starts).containsExactly(at(10));
    clock.advance(Duration.ofSeconds(5));
    clock.stepWallClock(Duration.ofSeconds(3)); // T0+18s
    clock.advance(Duration.ofSeconds(5)); // T0+23s: 20 was missed by 3 s
    assertThat(service.starts).containsExactly(at(10));
    clock.advance(Duration.ofSeconds(7));
    assertThat(service.starts).containsExactly(at(10), at(30));
  }

  @Test
  void aYearLongStepOfAnEverySecondScheduleIsCountedQuicklyAndSummedUpInOneWarn() {
    Nightly service =
        new Nightly(
            LoopOptions.builder().schedule(new EverySeconds(1)).misfireGrace(Duration.ZERO));
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofMillis(500));
      clock.stepWallClock(Duration.ofDays(365)); // T0+365d+0.5s
      clock.advance(Duration.ofMillis(600)); // the wait for T0+1s ends at T0+365d+1s
      // The latest fire, T0+365d+1s, is on time: it runs, whatever the grace.
      assertThat(service.starts).containsExactly(at(365 * 86400 + 1));
      assertThat(log.messages(Level.WARN))
          .singleElement()
          .asString()
          .matches(
              "Loop service Nightly skipped more than 1000\\d fire times \\(2026-01-01T00:00:01Z,"
                  + " 2026-01-01T00:00:02Z, .*")
          .endsWith(
              ", ..., 2027-01-01T00:00:00Z) of its schedule every 1 s. It runs once now, for"
                  + " 2027-01-01T00:00:01Z.");
    }
  }

  @Test
  void aSingleWaitLastsAtMostAMinuteSoAForwardStepIsNoticedWithoutWaitingHours() {
    Nightly service = new Nightly(new EverySeconds(3600));
    engine.start(service);
    assertThat(clock.untilNextTimer()).contains(Duration.ofMinutes(1));
    clock.advance(Duration.ofSeconds(10));
    clock.stepWallClock(Duration.ofSeconds(3650)); // T0+3660s: the fire at T0+3600s passed
    clock.advance(Duration.ofSeconds(50)); // the one-minute wait ends
    assertThat(service.starts).containsExactly(at(3710));
  }

  @Test
  void anIterationThatRunsPastTheNextFiresIsFollowedByOneIterationAtOnceWithAWarn() {
    Nightly service =
        new Nightly(
            LoopOptions.builder().schedule(new EverySeconds(10)).misfireGrace(Duration.ZERO));
    service.durations.add(Duration.ofSeconds(25)); // from T0+10s to T0+35s: past 20 and 30
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofSeconds(50).minus(clock.elapsed()));
      // No burst for 20 and 30: one iteration at once (for 30, whatever the grace), then 40, 50.
      assertThat(service.starts).containsExactly(at(10), at(35), at(40), at(50));
      assertThat(results.get(0).overrun()).isTrue();
      assertThat(results.get(1).overrun()).isFalse();
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Nightly took 25.000 s to run, which is past its next fire time"
                  + " 2026-01-01T00:00:20Z (schedule every 10 s); skipped 1 fire time"
                  + " (2026-01-01T00:00:20Z). It runs once now, for 2026-01-01T00:00:30Z.");
    }
  }

  @Test
  void anOverrunPastOneFireNamesIt() {
    Nightly service = new Nightly(new EverySeconds(10));
    service.durations.add(Duration.ofSeconds(12));
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofSeconds(30).minus(clock.elapsed()));
      assertThat(service.starts).containsExactly(at(10), at(22), at(30));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Nightly took 12.000 s to run, which is past its next fire time"
                  + " 2026-01-01T00:00:20Z (schedule every 10 s).");
    }
  }

  @Test
  void aScheduleWithNoFireLeftEndsTheRunNormally() throws InterruptedException {
    Nightly service = new Nightly(new At(List.of(at(10), at(20))));
    try (LogCapture log = LogCapture.services()) {
      LoopHandle handle = engine.start(service);
      clock.advance(Duration.ofSeconds(20));
      assertThat(service.starts).containsExactly(at(10), at(20));
      assertThat(handle.isDone()).isTrue();
      handle.await(); // no failure
      assertThat(service.state()).isEqualTo(LoopState.STOPPED);
      assertThat(service.stops).isEqualTo(1);
      assertThat(clock.pendingTimers()).isZero();
      assertThat(log.messages(Level.INFO))
          .contains("Loop service Nightly has no fire time left in its schedule; stopping");
    }
  }

  @Test
  void aScheduleWithoutAnyFireEndsTheRunAtItsStart() {
    Nightly service = new Nightly(new At(List.of(at(-10))));
    LoopHandle handle = engine.start(service);
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
    assertThat(service.starts).isEmpty();
  }

  @Test
  void aScheduleThatThrowsFailsTheRun() {
    RuntimeException broken = new IllegalStateException("broken");
    CalendarSchedule failing =
        new CalendarSchedule() {
          int calls;

          @Override
          public Instant nextFireAfter(Instant instant) {
            if (++calls > 1) {
              throw broken;
            }
            return instant.plusSeconds(10);
          }

          @Override
          public Duration period() {
            return Duration.ofSeconds(10);
          }
        };
    Nightly service = new Nightly(failing);
    LoopHandle handle = engine.start(service);
    clock.advance(Duration.ofSeconds(10));
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.FAILED);
    assertThatThrownBy(handle::await).isSameAs(broken);
  }

  @Test
  void runNowRunsAnExtraIterationAndLeavesTheScheduleAsItWas() {
    Nightly service = new Nightly(new EverySeconds(10));
    engine.start(service);
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.runNow()).isTrue();
    clock.advance(Duration.ofSeconds(17));
    assertThat(service.starts).containsExactly(at(3), at(10), at(20));
  }

  @Test
  void stopEndsAWaitingCalendarServiceAtOnce() {
    Nightly service = new Nightly(new EverySeconds(3600));
    LoopHandle handle = engine.start(service);
    clock.advance(Duration.ofSeconds(30));
    service.stop();
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
    assertThat(service.stops).isEqualTo(1);
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void aDeniedFireIsSkippedAndTheScheduleGoesOn() {
    List<String> asked = new ArrayList<>();
    Nightly service = startCoordinated(IterationPermit.denied(), asked);
    clock.advance(Duration.ofSeconds(25));
    assertThat(asked).containsExactly(at(10).toString(), at(20).toString());
    assertThat(service.starts).containsExactly(at(20));
  }

  @Test
  void aDeferredFireIsAskedAgainAfterTheDeferralAndTheNextFireKeepsItsTime() {
    Nightly service =
        startCoordinated(IterationPermit.deferred(Duration.ofSeconds(2)), new ArrayList<>());
    clock.advance(Duration.ofSeconds(25));
    assertThat(service.starts).containsExactly(at(12), at(20));
  }

  @Test
  void theIterationTimeoutAppliesToCalendarServices() {
    Nightly service =
        new Nightly(
            LoopOptions.builder()
                .schedule(new EverySeconds(10))
                .iterationTimeout(Duration.ofSeconds(2)));
    service.durations.add(Duration.ofSeconds(3));
    engine.start(service);
    clock.advance(Duration.ofSeconds(10));
    assertThat(results)
        .extracting(IterationResult::outcome)
        .containsExactly(IterationOutcome.TIMED_OUT);
    assertThat(results.get(0).startedAt()).isEqualTo(at(10));
    clock.advance(Duration.ofSeconds(7)); // from T0+13s to the fire at T0+20s
    assertThat(results)
        .extracting(IterationResult::outcome)
        .containsExactly(IterationOutcome.TIMED_OUT, IterationOutcome.SUCCEEDED);
  }

  @Test
  void aScheduleExcludesAnIntervalAndTheOptionsThatBelongToIntervals() {
    CalendarSchedule schedule = new EverySeconds(10);
    assertThatThrownBy(
            () ->
                LoopOptions.builder()
                    .loopInterval(Duration.ofSeconds(5))
                    .schedule(schedule)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "loopInterval and schedule are mutually exclusive, set one of them: loopInterval=PT5S,"
                + " schedule=every 10 s");
    assertThatThrownBy(
            () ->
                LoopOptions.builder()
                    .schedule(schedule)
                    .initialDelay(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("initialDelay");
    assertThatThrownBy(
            () ->
                LoopOptions.builder()
                    .schedule(schedule)
                    .backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("backoff");
    assertThatThrownBy(() -> LoopOptions.builder().misfireGrace(Duration.ZERO).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("misfireGrace applies to a schedule, and none is set: misfireGrace=PT0S");
    assertThatThrownBy(() -> LoopOptions.builder().misfireGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("misfireGrace must not be negative: PT-1S");

    LoopOptions options = LoopOptions.builder().schedule(schedule).build();
    assertThat(options.schedule()).contains(schedule);
    assertThat(options.misfireGrace()).isEmpty();
    assertThat(options.loopInterval()).isEmpty();
    assertThat(options.toBuilder().schedule(null).loopInterval(Duration.ofSeconds(5)).build())
        .satisfies(o -> assertThat(o.schedule()).isEmpty());
  }

  @Test
  void aLambdaServiceTakesAScheduleInsteadOfAnInterval() {
    List<Instant> starts = new ArrayList<>();
    LoopService service =
        LoopService.of(
            "calendar-lambda",
            LoopOptions.builder().schedule(new EverySeconds(10)).handleSignals(false).build(),
            () -> starts.add(clock.instant()));
    engine.start(service);
    clock.advance(Duration.ofSeconds(20));
    assertThat(starts).containsExactly(at(10), at(20));
    assertThatThrownBy(() -> LoopService.of("neither", LoopOptions.builder().build(), () -> {}))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("options.loopInterval or options.schedule");
  }

  /**
   * Starts a calendar service firing every 10 s whose coordinator answers {@code first} once, then
   * grants every permit; {@code asked} gets the wall-clock time of each question.
   */
  private Nightly startCoordinated(IterationPermit first, List<String> asked) {
    LoopCoordinator coordinator =
        service ->
            new LoopCoordinator.Membership() {
              @Override
              public IterationPermit permit() {
                asked.add(clock.instant().toString());
                return asked.size() == 1 ? first : IterationPermit.grantedWithoutToken();
              }

              @Override
              public void iterationEnded(IterationPermit permit) {}

              @Override
              public void leave() {}
            };
    Nightly service = new Nightly(new EverySeconds(10));
    LoopEngine.builder()
        .clock(clock)
        .executor(Runnable::run)
        .coordinator(coordinator)
        .build()
        .start(service);
    return service;
  }

  @Test
  void aCalendarServiceWaitsForItsFiresWithNoLeewayWhileAnIntervalServiceSharesWakeUps() {
    List<Long> leeways = new ArrayList<>();
    LoopClock recording =
        new LoopClock() {
          @Override
          public long nanoTime() {
            return clock.nanoTime();
          }

          @Override
          public Instant instant() {
            return clock.instant();
          }

          @Override
          public Timer newTimer(Runnable action) {
            return clock.newTimer(action);
          }

          @Override
          public Timer newTimer(Runnable action, long leewayNanos) {
            leeways.add(leewayNanos);
            return clock.newTimer(action, leewayNanos);
          }
        };
    LoopEngine recorded = LoopEngine.builder().clock(recording).executor(Runnable::run).build();
    recorded.start(new Nightly(new EverySeconds(1)));
    recorded.start(LoopService.of("every-second", Duration.ofSeconds(1), () -> {}));
    // A fire is an instant of the wall clock, and a cron user compares the start with it.
    assertThat(leeways).containsExactly(0L, FixedInterval.MAX_WAKE_LEEWAY_NANOS);
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }
}
