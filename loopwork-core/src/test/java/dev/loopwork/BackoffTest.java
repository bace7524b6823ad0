package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Exponential back-off after consecutive failures: doubled each time, capped, reset by a success.
 */
class BackoffTest {
  private final ManualClock clock = new ManualClock();

  @Test
  void failuresInARowDelayTheNextIterationExponentiallyUpToTheCap() {
    Set<Integer> failing = Set.of(1, 2, 3, 4, 5, 7);
    List<Duration> starts = new ArrayList<>();
    LoopService service =
        new LoopService(
            LoopOptions.builder()
                .loopInterval(Duration.ofSeconds(1))
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(10))
                .handleSignals(false)
                .build()) {
          @Override
          protected void runOnce() {
            starts.add(clock.elapsed());
            if (failing.contains(starts.size())) {
              throw new IllegalStateException("failure " + starts.size());
            }
          }
        };
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofSeconds(60));
    // Waits after each start: 2, 4, 8, 10 (capped), 10, then 1 after the success, 2 after a new
    // first failure.
    assertThat(starts.subList(0, 9))
        .containsExactly(
            secs(0), secs(2), secs(6), secs(14), secs(24), secs(34), secs(35), secs(37), secs(38));
  }

  @Test
  void backoffNeedsAPositiveStartAndACapNotBelowIt() {
    assertThatThrownBy(() -> LoopOptions.builder().backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff initial must be positive: PT0S");
    assertThatThrownBy(
            () -> LoopOptions.builder().backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff max must not be less than initial: PT1S < PT5S");
  }

  private static Duration secs(long seconds) {
    return Duration.ofSeconds(seconds);
  }
}
