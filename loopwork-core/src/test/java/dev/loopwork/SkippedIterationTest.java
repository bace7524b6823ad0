package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.CalendarScheduleTest.EverySeconds;
import dev.loopwork.test.ManualClock;
import dev.loopwork.test.RecordingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: a due iteration that its coordinator skips on purpose ({@link IterationPermit#skipped})
 * reaches the listeners, once per due iteration; a plain denial (the iteration runs elsewhere) does
 * not.
 */
class SkippedIterationTest {
  private final ManualClock clock = new ManualClock();
  private final RecordingListener recorder = new RecordingListener();
  private final Gate gate = new Gate();
  private final LoopEngine engine =
      LoopEngine.builder()
          .clock(clock)
          .executor(Runnable::run)
          .coordinator(gate)
          .listener(recorder)
          .build();
  private final LoopService service = LoopService.of("purge", Duration.ofSeconds(1), () -> {});

  @Test
  void aDueIterationSkippedOnPurposeIsReportedOncePerDueIterationAndKeepsTheSchedule() {
    startPausedFor(Duration.ofMillis(3_500));
    clock.advance(Duration.ofMillis(500));
    service.stop(false);

    assertThat(gate.askedAtMillis).containsExactly(0L, 1_000L, 2_000L, 3_000L, 4_000L);
    assertThat(iterationEvents())
        .containsExactly(
            "purge start 1",
            "purge end 1 SUCCEEDED",
            "purge skipped paused",
            "purge skipped paused",
            "purge skipped paused",
            "purge start 2",
            "purge end 2 SUCCEEDED");
  }

  @Test
  void aPlainDenialIsNotReported() {
    engine.start(service);
    gate.answer = IterationPermit.denied();
    clock.advance(Duration.ofMillis(3_500));
    service.stop(false);

    assertThat(gate.askedAtMillis).containsExactly(0L, 1_000L, 2_000L, 3_000L);
    assertThat(iterationEvents()).containsExactly("purge start 1", "purge end 1 SUCCEEDED");
  }

  @Test
  void askingAgainAfterASkipRunsTheSkippedIterationAtOnceAndTheScheduleGoesOnFromThere() {
    startPausedFor(Duration.ofMillis(1_300));
    gate.askAgain.run(); // a resume
    clock.advance(Duration.ofMillis(1_000));
    service.stop(false);

    assertThat(gate.askedAtMillis).containsExactly(0L, 1_000L, 1_300L, 2_300L);
    assertThat(recorder.iterations()).hasSize(3);
  }

  @Test
  void askingAgainAfterARunDueIterationAddsNone() {
    startPausedFor(Duration.ofMillis(1_000));
    clock.advance(Duration.ofMillis(1_300));
    gate.askAgain.run();
    service.stop(false);

    assertThat(gate.askedAtMillis).containsExactly(0L, 1_000L, 2_000L);
  }

  @Test
  void aCalendarServiceReportsOneSkipPerFireAndARunOnceAfterItsResume() {
    LoopService hourly =
        LoopService.of(
            "report", LoopOptions.builder().schedule(new EverySeconds(3_600)).build(), () -> {});
    gate.answer = IterationPermit.skipped("paused");
    engine.start(hourly);
    clock.advance(Duration.ofMinutes(150)); // the fires at 1 h and 2 h, waits capped at a minute
    gate.answer = IterationPermit.grantedWithoutToken();
    gate.askAgain.run();
    clock.advance(Duration.ofMinutes(29));
    hourly.stop(false);

    assertThat(gate.askedAtMillis)
        .containsExactly(hours(1), hours(2), hours(2) + Duration.ofMinutes(30).toMillis());
    assertThat(iterationEvents())
        .containsExactly(
            "report skipped paused",
            "report skipped paused",
            "report start 1",
            "report end 1 SUCCEEDED");
  }

  @Test
  void aSkipNeedsAReasonAndSaysIt() {
    IterationPermit skip = IterationPermit.skipped("paused");

    assertThat(skip.isGranted()).isFalse();
    assertThat(skip.isSkipped()).isTrue();
    assertThat(skip.deferral()).isZero();
    assertThat(skip.skipReason()).isEqualTo("paused");
    assertThat(skip).hasToString("IterationPermit[skipped: paused]");
    assertThat(IterationPermit.denied().isSkipped()).isFalse();
    assertThatThrownBy(() -> IterationPermit.denied().skipReason())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("A permit that is not a skip has no reason: IterationPermit[denied]");
    assertThatThrownBy(() -> IterationPermit.skipped(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reason must not be blank: \" \"");
  }

  /** Starts the service, whose first iteration runs, then skips its iterations for {@code time}. */
  private void startPausedFor(Duration time) {
    engine.start(service);
    gate.answer = IterationPermit.skipped("paused");
    clock.advance(time);
    gate.answer = IterationPermit.grantedWithoutToken();
  }

  private List<String> iterationEvents() {
    return recorder.events().stream().filter(event -> !event.contains("->")).toList();
  }

  private static long hours(long hours) {
    return Duration.ofHours(hours).toMillis();
  }

  /** Answers every permit with {@link #answer}; records when it was asked. */
  private final class Gate implements LoopCoordinator, LoopCoordinator.Membership {
    final List<Long> askedAtMillis = new ArrayList<>();
    volatile IterationPermit answer = IterationPermit.grantedWithoutToken();
    Runnable askAgain;

    @Override
    public Membership join(LoopService service) {
      return this;
    }

    @Override
    public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
      this.askAgain = askAgain;
      return this;
    }

    @Override
    public IterationPermit permit() {
      askedAtMillis.add(clock.elapsed().toMillis());
      return answer;
    }

    @Override
    public void iterationEnded(IterationPermit permit) {}

    @Override
    public void leave() {}
  }
}
