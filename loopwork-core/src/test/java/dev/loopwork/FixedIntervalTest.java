package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fixed interval's arithmetic on its own: clock readings in, due times out, no threads. */
class FixedIntervalTest {
  private static final long S = Duration.ofSeconds(1).toNanos();
  private static final long MS = Duration.ofMillis(1).toNanos();

  private static FixedInterval every(long nanos, LoopOptions options) {
    return new FixedInterval(nanos, options);
  }

  private static FixedInterval everySecond() {
    return every(S, LoopOptions.defaults());
  }

  @Test
  void theNextIterationIsDueOneIntervalAfterThePreviousWasDueNotAfterItStarted() {
    // Due at 10 s, started 30 ms late, ran 200 ms: next due 11 s, no drift from the late start.
    assertThat(everySecond().nextDue(10 * S, 10 * S + 30 * MS, 10 * S + 230 * MS, false, 0))
        .isEqualTo(11 * S);
  }

  @Test
  void aWakeUpSoLateThatItPassedSlotsSkipsThemAndKeepsThePhase() {
    // Due at 10 s, started at 13.4 s: 11, 12 and 13 s are skipped, no burst; next slot 14 s.
    assertThat(everySecond().nextDue(10 * S, 13 * S + 400 * MS, 13 * S + 500 * MS, false, 0))
        .isEqualTo(14 * S);
  }

  @Test
  void anOverrunMakesTheNextIterationDueAtOnceAtItsEnd() {
    FixedInterval interval = everySecond();
    assertThat(interval.nextDue(10 * S, 10 * S, 12 * S + 500 * MS, false, 0))
        .isEqualTo(12 * S + 500 * MS);
    assertThat(interval.isOverrun(S + 1)).isTrue();
    assertThat(interval.isOverrun(S)).isFalse();
    assertThat(every(0, LoopOptions.defaults()).isOverrun(5 * S)).isFalse();
  }

  @Test
  void backOffDoublesFromTheInitialDelayUpToTheMaxAndOnlyAfterAFailure() {
    FixedInterval interval =
        every(
            S,
            LoopOptions.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(10)).build());
    assertThat(interval.backoffNanos(1)).isEqualTo(2 * S);
    assertThat(interval.backoffNanos(2)).isEqualTo(4 * S);
    assertThat(interval.backoffNanos(3)).isEqualTo(8 * S);
    assertThat(interval.backoffNanos(4)).isEqualTo(10 * S);
    assertThat(interval.backoffNanos(60)).isEqualTo(10 * S);
    // After the third failure in a row, started at 10 s: not before 18 s.
    assertThat(interval.nextDue(10 * S, 10 * S, 10 * S + MS, true, 3)).isEqualTo(18 * S);
    // A success right after goes back to the grid.
    assertThat(interval.nextDue(18 * S, 18 * S, 18 * S + MS, false, 0)).isEqualTo(19 * S);
    // Without back-off a failure keeps the grid.
    assertThat(everySecond().nextDue(10 * S, 10 * S, 10 * S + MS, true, 3)).isEqualTo(11 * S);
  }

  @Test
  void aDeniedIterationCountsAsRunOnTime() {
    FixedInterval interval = everySecond();
    assertThat(interval.afterDenial(10 * S, 10 * S + 5 * MS)).isEqualTo(11 * S);
    // Denied so late that the next slot has passed: one interval from now.
    assertThat(interval.afterDenial(10 * S, 11 * S + 200 * MS)).isEqualTo(12 * S + 200 * MS);
    // A zero interval asks again after a pause instead of in a spin.
    assertThat(every(0, LoopOptions.defaults()).afterDenial(10 * S, 10 * S))
        .isEqualTo(10 * S + FixedInterval.ZERO_INTERVAL_DENIAL_RETRY.toNanos());
  }

  @Test
  void jitterDelaysTheWakeUpByAtMostTheJitterAndNeverMovesTheDueTime() {
    FixedInterval jittered = every(S, LoopOptions.builder().jitter(Duration.ofMillis(100)).build());
    SplittableRandom random = new SplittableRandom(42);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long wake = jittered.wakeAt(10 * S, random);
      min = Math.min(min, wake);
      max = Math.max(max, wake);
    }
    assertThat(min).isBetween(10 * S, 10 * S + MS);
    assertThat(max).isBetween(10 * S + 99 * MS, 10 * S + 100 * MS);
    assertThat(everySecond().wakeAt(10 * S, random)).isEqualTo(10 * S);
  }

  @Test
  void wakeUpsShareATimerWithinAThousandthOfTheIntervalAtMostOneMillisecond() {
    assertThat(every(100 * MS, LoopOptions.defaults()).wakeLeewayNanos()).isEqualTo(100_000);
    assertThat(every(60 * S, LoopOptions.defaults()).wakeLeewayNanos()).isEqualTo(MS);
  }

  @Test
  void servicesWithTheSameOptionsAndIntervalShareOneInstance() {
    LoopOptions options = LoopOptions.builder().jitter(Duration.ofMillis(5)).build();
    assertThat(options.fixedInterval(S)).isSameAs(options.fixedInterval(S));
    assertThat(options.fixedInterval(2 * S).intervalNanos).isEqualTo(2 * S);
  }
}
