package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The targets of issue 5, computed from the runs of JDK 17 that logged through Logback (since issue
 * 11 the scale runs do too; the {@code slf4j-nop} rows are not judged).
 */
final class Issue5Targets {
  static final String TITLE =
      "Targets of issue 5 (JDK 17 unless noted; ratios against the shared executor of this run)";

  private Issue5Targets() {}

  /** Appends the table for {@code all} (every run of the results file) to {@code md}. */
  static void render(BenchResults all, Markdown md) {
    BenchResults results = all.withLogback();
    TargetTable table = new TargetTable(md, TITLE);
    singleService(results, table);
    scale(results, table);
    JsonNode idle = results.find("idle", "loopwork", "17", 0);
    double wakeups = BenchResults.figure(idle, "peerThreadWakeups");
    table.row(
        "zero wake-ups of a waiting service (peer threads, 10 s window)",
        Cells.count(wakeups),
        Cells.count(
            BenchResults.figure(results.find("idle", "executor", "17", 0), "peerThreadWakeups")),
        Cells.MISSING,
        Verdict.of(wakeups == 0, idle));
    table.end();
  }

  private static void singleService(BenchResults results, TargetTable table) {
    JsonNode stop = results.find("stop-latency", "loopwork", "17", 0);
    JsonNode exStop = results.find("stop-latency", "executor", "17", 0);
    double stopP99 = BenchResults.figure(stop, "p99Ms");
    double exStopP99 = BenchResults.figure(exStop, "p99Ms");
    double bestPeerP99 = results.bestOfOtherPeers("stop-latency", "17", "p99Ms");
    table.row(
        "stop an idle service: p99 < 1 ms and below every peer's p99",
        Cells.ms(stopP99),
        Cells.ms(exStopP99),
        Cells.ratio(stopP99, exStopP99),
        Verdict.of(stopP99 < 1 && stopP99 < bestPeerP99, stop, exStop));

    JsonNode jit = results.find("jitter", "loopwork", "17", 0);
    JsonNode exJit = results.find("jitter", "executor", "17", 0);
    double jitP99 = BenchResults.figure(jit, "p99Ms");
    double exJitP99 = BenchResults.figure(exJit, "p99Ms");
    table.row(
        "50 ms jitter p99 at or under the executor's",
        Cells.ms(jitP99),
        Cells.ms(exJitP99),
        Cells.ratio(jitP99, exJitP99),
        Verdict.of(jitP99 <= exJitP99, jit, exJit));
    double drift = BenchResults.figure(jit, "driftMsPer10000Iterations");
    table.row(
        "zero drift over 10,000 iterations (ms, extrapolated from 200; under 10 ms either way counts as zero)",
        Cells.ms(drift),
        Cells.ms(BenchResults.figure(exJit, "driftMsPer10000Iterations")),
        Cells.MISSING,
        Verdict.of(Math.abs(drift) < 10, jit));

    JsonNode loops =
        results.find("overhead", IterationOverheadBenchmark.LOOPWORK_START_LOOPS, "17", 0);
    JsonNode exOverhead = results.find("overhead", "executor", "17", 0);
    double loopsRate = BenchResults.figure(loops, "iterationsPerSecond");
    double exRate = BenchResults.figure(exOverhead, "iterationsPerSecond");
    table.row(
        "empty iterations/s on blocking start(loops) at least the executor's",
        Cells.count(loopsRate),
        Cells.count(exRate),
        Cells.ratio(loopsRate, exRate),
        Verdict.of(loopsRate >= exRate, loops, exOverhead));
  }

  private static void scale(BenchResults results, TargetTable table) {
    JsonNode big = results.find("scale", "loopwork", "17", 100_000);
    JsonNode exBig = results.find("scale", "executor", "17", 100_000);
    table.withinOfExecutor(
        "100,000 services: RSS within 1.5x the executor's",
        big,
        exBig,
        "peakRssMb",
        1.5,
        Cells::number);
    table.withinOfExecutor(
        "100,000 services: CPU within 1.5x the executor's",
        big,
        exBig,
        "cpuSeconds",
        1.5,
        Cells::number);
    double err = BenchResults.figure(big, "periodErrorP99Ms");
    table.row(
        "100,000 services: period error p99 < 20 ms",
        Cells.ms(err),
        Cells.ms(BenchResults.figure(exBig, "periodErrorP99Ms")),
        Cells.MISSING,
        Verdict.of(err < 20, big));
    double stopAll = BenchResults.figure(big, "stopAllMs");
    double exStopAll = BenchResults.figure(exBig, "stopAllMs");
    table.row(
        "100,000 services: stop all < 100 ms",
        Cells.number(stopAll),
        Cells.number(exStopAll),
        Cells.ratio(stopAll, exStopAll),
        Verdict.of(stopAll < 100, big));
    JsonNode guava = results.find("scale", "guava-rate", "17", 100_000);
    table.row(
        "Guava fails at 100,000 services",
        Cells.MISSING,
        Cells.MISSING,
        Cells.MISSING,
        guava == null || !guava.has("result")
            ? Verdict.of(false, guava)
            : guava.path("result").path("reached").asBoolean(true)
                ? "MISSED: reached"
                : "shown (refused above its cap)");
  }
}
