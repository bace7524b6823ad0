package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OverrunPatternTest {
  private static final double BODY = 150;
  private static final double INTERVAL = 100;

  @Test
  void startsAsThePreviousEndsAreBackToBackAndCatchingUpIsABurst() {
    // fixed rate: each slow run starts as the previous ends; once fast, the missed slots run at
    // once
    double[] offsets = {0, 150, 300, 450, 600, 600.1, 600.2};
    OverrunPattern pattern = OverrunPattern.classify(offsets, 4, BODY, INTERVAL);

    assertThat(pattern.summary()).isEqualTo("back-to-back 4/4, then burst 2/2");
    assertThat(pattern.figures()).containsEntry("lastSlowStartBehindScheduleMs", 150.0);
  }

  @Test
  void oneIntervalAfterTheEndIsADelay() {
    double[] offsets = {0, 250, 500, 750, 850};
    assertThat(OverrunPattern.classify(offsets, 3, BODY, INTERVAL).summary())
        .isEqualTo("delay 3/3, then no burst");
  }

  @Test
  void theNextFreeSlotOfTheScheduleIsASkip() {
    double[] offsets = {0, 200, 400, 600, 700};
    assertThat(OverrunPattern.classify(offsets, 3, BODY, INTERVAL).summary())
        .isEqualTo("skip 3/3, then no burst");
  }

  @Test
  void aStartBeforeThePreviousEndIsAnOverlap() {
    double[] offsets = {0, 100, 200, 300};
    assertThat(OverrunPattern.classify(offsets, 2, BODY, INTERVAL).summary())
        .isEqualTo("overlap 2/2, then no burst");
  }

  @Test
  void rejectsASlowCountThatLeavesNoFastIteration() {
    assertThatThrownBy(() -> OverrunPattern.classify(new double[] {0, 150}, 2, BODY, INTERVAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slow must be in [1, 1]: 2");
  }
}
