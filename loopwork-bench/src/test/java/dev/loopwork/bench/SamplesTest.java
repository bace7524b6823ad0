package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SamplesTest {

  @Test
  void percentilesAreNearestRank() {
    double[] values = new double[100];
    for (int i = 0; i < 100; i++) {
      values[i] = 100 - i; // 100 .. 1, unsorted on purpose
    }
    Samples samples = new Samples(values);

    assertThat(samples.median()).isEqualTo(50);
    assertThat(samples.percentile(99)).isEqualTo(99);
    assertThat(samples.max()).isEqualTo(100);
  }

  @Test
  void robustSlopeIgnoresAFewOutliers() {
    double[] x = new double[50];
    double[] y = new double[50];
    for (int i = 0; i < 50; i++) {
      x[i] = i;
      y[i] = 0.1 * i + (i == 45 || i == 47 ? 40 : 0); // two late wake-ups near the end
    }
    assertThat(Samples.robustSlope(x, y)).isCloseTo(0.1, within(1e-9));
  }
}
