package dev.loopwork.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a scheduler starts iterations that take longer than the interval, read from the start
 * offsets: after each slow iteration the next start is <em>back-to-back</em> (as the previous one
 * ends), <em>skip</em> (on the next free slot of the original schedule), <em>delay</em> (one
 * interval after the previous end) or <em>overlap</em> (before the previous end); once iterations
 * are fast again, a <em>burst</em> is a run of starts less than half an interval apart (catching up
 * with missed slots).
 */
final class OverrunPattern {
  private final Map<String, Integer> afterSlow;
  private final int burstStarts;
  private final int fastGaps;
  private final double lagMs;

  private OverrunPattern(
      Map<String, Integer> afterSlow, int burstStarts, int fastGaps, double lagMs) {
    this.afterSlow = afterSlow;
    this.burstStarts = burstStarts;
    this.fastGaps = fastGaps;
    this.lagMs = lagMs;
  }

  /**
   * Classifies start offsets (ms from the first start) of {@code slow} iterations of {@code bodyMs}
   * each, followed by fast ones, for a schedule of {@code intervalMs}. Gaps are compared with a
   * tolerance of a fifth of the interval.
   */
  static OverrunPattern classify(double[] offsetsMs, int slow, double bodyMs, double intervalMs) {
    if (slow < 1 || slow >= offsetsMs.length) {
      throw new IllegalArgumentException(
          "slow must be in [1, " + (offsetsMs.length - 1) + "]: " + slow);
    }
    double tolerance = intervalMs / 5;
    Map<String, Integer> afterSlow = new TreeMap<>();
    for (int k = 1; k <= slow; k++) {
      afterSlow.merge(
          gapKind(offsetsMs[k] - offsetsMs[k - 1], offsetsMs[k], bodyMs, intervalMs, tolerance),
          1,
          Integer::sum);
    }
    int bursts = 0;
    for (int k = slow + 1; k < offsetsMs.length; k++) {
      if (offsetsMs[k] - offsetsMs[k - 1] < intervalMs / 2) {
        bursts++;
      }
    }
    double lag = offsetsMs[slow - 1] - (slow - 1) * intervalMs;
    return new OverrunPattern(afterSlow, bursts, offsetsMs.length - slow - 1, lag);
  }

  private static String gapKind(
      double gap, double offset, double body, double interval, double tolerance) {
    if (gap < body - tolerance) {
      return "overlap";
    }
    if (gap < body + tolerance) {
      return "back-to-back";
    }
    double fromSlot = offset % interval;
    if (Math.min(fromSlot, interval - fromSlot) < tolerance && gap < body + interval - tolerance) {
      return "skip";
    }
    return "delay";
  }

  /** A one-line summary such as {@code back-to-back 20/20, then burst 4/4}. */
  String summary() {
    int total = afterSlow.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder s = new StringBuilder();
    afterSlow.entrySet().stream()
        .sorted((a, b) -> b.getValue() - a.getValue())
        .forEach(
            e ->
                s.append(s.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(e.getValue())
                    .append('/')
                    .append(total));
    s.append(burstStarts > 0 ? ", then burst " + burstStarts + "/" + fastGaps : ", then no burst");
    return s.toString();
  }

  /** The figures, for the result file. */
  Map<String, Object> figures() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("pattern", summary());
    f.put("afterSlow", afterSlow);
    f.put("burstStarts", burstStarts);
    f.put("lastSlowStartBehindScheduleMs", lagMs);
    return f;
  }
}
