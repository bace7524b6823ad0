package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The targets of issue 11: Loopwork at scale and stopping one service, with Logback at WARN as the
 * backend (the {@code slf4j-nop} rows are not judged), against the shared executor of the same run
 * on JDK 17.
 */
final class Issue11Targets {
  static final String TITLE =
      "Targets of issue 11 (JDK 17, Logback at WARN; ratios against the shared executor of this run)";

  /**
   * Issue 11 asks for the stop latency p99 over this many trials; a run with fewer is not judged.
   */
  static final int STOP_TRIALS = 300;

  private Issue11Targets() {}

  /** Appends the table for {@code all} (every run of the results file) to {@code md}. */
  static void render(BenchResults all, Markdown md) {
    BenchResults results = all.withLogback();
    TargetTable table = new TargetTable(md, TITLE);
    JsonNode big = results.find("scale", "loopwork", "17", 100_000);
    JsonNode exBig = results.find("scale", "executor", "17", 100_000);
    table.withinOfExecutor(
        "100,000 services: peak RSS (MB) within 1.3x the executor's",
        big,
        exBig,
        "peakRssMb",
        1.3,
        Cells::number);
    table.withinOfExecutor(
        "100,000 services: CPU s over 10 s within 1.3x the executor's",
        big,
        exBig,
        "cpuSeconds",
        1.3,
        Cells::number);
    table.withinOfExecutor(
        "100,000 services: start all (s) within 2x the executor's",
        big,
        exBig,
        "startAllMs",
        2,
        Cells::seconds);
    double stopAll = BenchResults.figure(big, "stopAllMs");
    double exStopAll = BenchResults.figure(exBig, "stopAllMs");
    table.row(
        "100,000 services: stop all (ms) under 100 ms and at or below the executor's",
        Cells.number(stopAll),
        Cells.number(exStopAll),
        Cells.ratio(stopAll, exStopAll),
        Verdict.of(stopAll < 100 && stopAll <= exStopAll, big, exBig));
    table.withinOfExecutor(
        "10,000 services: CPU s over 10 s within 1.5x the executor's",
        results.find("scale", "loopwork", "17", 10_000),
        results.find("scale", "executor", "17", 10_000),
        "cpuSeconds",
        1.5,
        Cells::number);
    stopLatency(results, table);
    table.end();
  }

  /**
   * Stop latency p99 of one idle service at or below every other peer's, over {@value #STOP_TRIALS}
   * trials.
   */
  private static void stopLatency(BenchResults results, TargetTable table) {
    JsonNode stop = results.find("stop-latency", "loopwork", "17", 0);
    JsonNode exStop = results.find("stop-latency", "executor", "17", 0);
    double p99 = BenchResults.figure(stop, "p99Ms");
    double exP99 = BenchResults.figure(exStop, "p99Ms");
    double trials = BenchResults.figure(stop, "trials");
    String verdict =
        trials < STOP_TRIALS
            ? Verdict.NOT_MEASURED + " (" + Cells.count(trials) + " trials)"
            : Verdict.of(
                p99 <= results.bestOfOtherPeers("stop-latency", "17", "p99Ms"), stop, exStop);
    table.row(
        "stop an idle service (ms): p99 at or below every other peer's, " + STOP_TRIALS + " trials",
        Cells.ms(p99),
        Cells.ms(exP99),
        Cells.ratio(p99, exP99),
        verdict);
  }
}
