package dev.loopwork.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 17: one call runs a service N iterations on a manual clock and says what happened. */
class LoopTestingTest {

  @Test
  void runsTheIterationsAndHooksWithoutRealTimePassing() {
    Hourly hourly = new Hourly();
    long begin = System.nanoTime();

    List<IterationResult> runs = LoopTesting.run(hourly, 3);

    assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
    assertThat(hourly.calls)
        .containsExactly("start", "iteration", "iteration", "iteration", "stop");
    assertThat(runs)
        .extracting(IterationResult::outcome)
        .containsExactly(
            IterationOutcome.SUCCEEDED, IterationOutcome.FAILED, IterationOutcome.SUCCEEDED);
    assertThat(runs.get(1).failure())
        .get()
        .hasFieldOrPropertyWithValue("message", "the second iteration fails");
    assertThat(hourly.isRunning()).isFalse();
  }

  /** Fails its second iteration; records its hooks and iterations. */
  static final class Hourly extends LoopService {
    final List<String> calls = new ArrayList<>();

    Hourly() {
      super(Duration.ofHours(1));
    }

    @Override
    protected void onStart() {
      calls.add("start");
    }

    @Override
    protected void runOnce() {
      calls.add("iteration");
      if (calls.size() == 3) {
        throw new IllegalStateException("the second iteration fails");
      }
    }

    @Override
    protected void onStop() {
      calls.add("stop");
    }
  }

  @Test
  void aFatalErrorOfAnIterationIsThrown() {
    LoopService broken =
        LoopService.of(
            "broken",
            Duration.ofMinutes(1),
            () -> {
              throw new AssertionError("broken");
            });

    assertThatThrownBy(() -> LoopTesting.run(broken, 5))
        .isInstanceOf(AssertionError.class)
        .hasMessage("broken");
  }
}
