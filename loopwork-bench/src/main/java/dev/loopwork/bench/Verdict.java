package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;

/** The verdict cell of a target: met or missed, or why it could not be judged. */
final class Verdict {
  /** The figures meet the target. */
  static final String MET = "met";

  /** The figures miss the target. */
  static final String MISSED = "**MISSED**";

  /** A run the target needs is not in the results (a partial run, a skipped JDK) or failed. */
  static final String NOT_MEASURED = "not measured";

  private Verdict() {}

  /**
   * {@link #MET} or {@link #MISSED} as {@code met} says, if every one of {@code runs} (the runs
   * whose figures {@code met} was computed from) has a result; else {@link #NOT_MEASURED}, naming
   * the first run that failed.
   */
  static String of(boolean met, JsonNode... runs) {
    for (JsonNode run : runs) {
      if (run == null) {
        return NOT_MEASURED;
      }
      if (!run.has("result")) {
        return NOT_MEASURED + " (" + run.path("label").asText() + " failed)";
      }
    }
    return met ? MET : MISSED;
  }
}
