package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The text of iteration numbers in the MDC: shared while small, so that iterations allocate
 * nothing.
 */
class IterationMdcTest {

  @Test
  void smallNumbersShareOneTextAndLargeOnesAreFormattedEachTime() {
    for (long n : new long[] {0, 1, 9, 10, 1_023, 1_024, 54_321, IterationMdc.SHARED_NUMBERS - 1}) {
      assertThat(IterationMdc.text(n)).isEqualTo(Long.toString(n)).isSameAs(IterationMdc.text(n));
    }
    long large = IterationMdc.SHARED_NUMBERS;
    assertThat(IterationMdc.text(large))
        .isEqualTo(Long.toString(large))
        .isNotSameAs(IterationMdc.text(large));
    assertThat(IterationMdc.text(Long.MAX_VALUE)).isEqualTo("9223372036854775807");
  }
}
