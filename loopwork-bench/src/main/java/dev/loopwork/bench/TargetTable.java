package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.DoubleFunction;

/**
 * A table of an issue's targets, one row per target: Loopwork's figure, the shared executor's (the
 * reference of every ratio), their ratio and the {@link Verdict}.
 */
final class TargetTable {
  private final Markdown md;

  /** Starts the table {@code title} in {@code md}: heading and header row. */
  TargetTable(Markdown md, String title) {
    this.md = md;
    md.heading(title);
    md.row("Target", "Loopwork", "Shared executor", "Ratio", "Verdict");
    md.separator(5);
  }

  /** One target with its cells as given. */
  void row(String target, String loopwork, String executor, String ratio, String verdict) {
    md.row(target, loopwork, executor, ratio, verdict);
  }

  /**
   * A target "Loopwork's {@code field} at most {@code bound} times the executor's", each figure
   * shown with {@code cell}; met when both runs have a result and the ratio is at most the bound.
   */
  void withinOfExecutor(
      String target,
      JsonNode loopwork,
      JsonNode executor,
      String field,
      double bound,
      DoubleFunction<String> cell) {
    double value = BenchResults.figure(loopwork, field);
    double reference = BenchResults.figure(executor, field);
    row(
        target,
        cell.apply(value),
        cell.apply(reference),
        Cells.ratio(value, reference),
        Verdict.of(value <= bound * reference, loopwork, executor));
  }

  /** Ends the table. */
  void end() {
    md.blank();
  }
}
