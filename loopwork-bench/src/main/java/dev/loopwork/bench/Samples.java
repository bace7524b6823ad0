package dev.loopwork.bench;

import java.util.Arrays;

/** Summary statistics of a small set of measurements, all computed on a sorted copy. */
final class Samples {
  private final double[] sorted;

  Samples(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("values must not be empty");
    }
    this.sorted = values.clone();
    Arrays.sort(sorted);
  }

  /**
   * The nearest-rank percentile: the smallest value with at least {@code p} percent of values at or
   * below it.
   */
  double percentile(double p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("p must be in (0, 100]: " + p);
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  double median() {
    return percentile(50);
  }

  double min() {
    return sorted[0];
  }

  double max() {
    return sorted[sorted.length - 1];
  }

  int count() {
    return sorted.length;
  }

  /**
   * The Theil-Sen slope of {@code y} over {@code x}: the median of the slopes between all pairs of
   * points, robust against a few outliers.
   */
  static double robustSlope(double[] x, double[] y) {
    if (x.length != y.length || x.length < 2) {
      throw new IllegalArgumentException(
          "x and y must have the same length, at least 2: " + x.length + ", " + y.length);
    }
    double[] slopes = new double[x.length * (x.length - 1) / 2];
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      for (int j = i + 1; j < x.length; j++) {
        if (x[j] != x[i]) {
          slopes[n++] = (y[j] - y[i]) / (x[j] - x[i]);
        }
      }
    }
    return new Samples(Arrays.copyOf(slopes, n)).median();
  }
}
