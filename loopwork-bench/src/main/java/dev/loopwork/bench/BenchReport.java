package dev.loopwork.bench;

import static dev.loopwork.bench.Cells.MISSING;
import static dev.loopwork.bench.Cells.count;
import static dev.loopwork.bench.Cells.ms;
import static dev.loopwork.bench.Cells.number;
import static dev.loopwork.bench.Cells.seconds;
import static dev.loopwork.bench.Cells.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Renders the results of one suite run as the generated part of {@code docs/benchmarks.md}: one
 * table per metric, every peer side by side, then the targets of issues 5 and 11 ({@link
 * Issue5Targets}, {@link Issue11Targets}) with the ratios against the shared executor. Runs missing
 * from the results (a partial run) are left out of the tables and their targets show as not
 * measured; a run that failed shows as such.
 */
final class BenchReport {
  private final JsonNode root;
  private final BenchResults results;
  private final Markdown md = new Markdown();

  private BenchReport(JsonNode root) {
    this.root = root;
    this.results = BenchResults.of(root);
  }

  /** The markdown for the results file {@code root} (see {@link BenchSuite}). */
  static String render(JsonNode root) {
    return new BenchReport(root).renderAll();
  }

  private String renderAll() {
    JsonNode run = root.path("run");
    md.line(
        "Measured on "
            + run.path("date").asText()
            + " with `"
            + run.path("command").asText()
            + "` in "
            + run.path("durationS").asLong()
            + " s: JDK 17 = "
            + run.path("jdk17").asText()
            + ", JDK 25 = "
            + run.path("jdk25").asText("not run")
            + "; "
            + run.path("cores").asInt()
            + " cores, load average "
            + run.path("loadBefore").asText()
            + " before and "
            + run.path("loadAfter").asText()
            + " after (other engineers' builds shared the machine; the last column of each table is the 1-minute load"
            + " average when that measurement began). Raw figures: `bench/results/benchmarks.json`.");
    for (JsonNode partial : run.path("partialRuns")) {
      List<String> scenarios = new ArrayList<>();
      partial.path("scenarios").forEach(s -> scenarios.add(s.asText()));
      md.blank();
      md.line(
          "The "
              + String.join(", ", scenarios)
              + " figures are from a later partial run: "
              + partial.path("date").asText()
              + " with `"
              + partial.path("command").asText()
              + "` in "
              + partial.path("durationS").asLong()
              + " s, JDK 17 = "
              + partial.path("jdk17").asText()
              + ", load average "
              + partial.path("loadBefore").asText()
              + " before and "
              + partial.path("loadAfter").asText()
              + " after.");
    }
    md.blank();
    stopLatency();
    jitter();
    cron();
    overhead();
    scale();
    idle();
    overrun();
    replicas();
    freeze();
    Issue5Targets.render(results, md);
    Issue11Targets.render(results, md);
    return md.toString();
  }

  private void stopLatency() {
    md.heading("Stop latency (ms)");
    md.row("Peer", "JDK", "median", "p99", "max", "trials", "load");
    md.separator(7);
    for (JsonNode r : results.scenario("stop-latency")) {
      JsonNode f = r.path("result");
      runRow(
          r,
          peer(r),
          r.path("jdk").asText(),
          ms(f, "medianMs"),
          ms(f, "p99Ms"),
          ms(f, "maxMs"),
          text(f, "trials"));
    }
    md.blank();
  }

  private void jitter() {
    md.heading("Scheduling jitter: 50 ms interval, 200 iterations (ms)");
    md.row(
        "Peer", "JDK", "p50", "p99", "max", "drift per 10,000 iterations (extrapolated)", "load");
    md.separator(7);
    for (JsonNode r : results.scenario("jitter")) {
      percentilesRow(r, ms(r.path("result"), "driftMsPer10000Iterations"));
    }
    md.blank();
  }

  private void cron() {
    md.heading(
        "Cron: `"
            + CronScenario.EXPRESSION
            + "` (every second), start against the scheduled wall-clock second; both peers at the"
            + " same time, each in its own JVM (ms)");
    md.row(
        "Peer",
        "JDK",
        "p50",
        "p99",
        "max",
        "min",
        "fires",
        "early / seconds run twice / skipped",
        "load");
    md.separator(9);
    for (JsonNode r : results.scenario(CronScenario.NAME)) {
      JsonNode f = r.path("result");
      percentilesRow(
          r,
          ms(f, "minMs"),
          text(f, "fires"),
          text(f, "earlyFires")
              + " / "
              + text(f, "secondsRunTwice")
              + " / "
              + text(f, "secondsSkipped"));
    }
    md.blank();
  }

  private void overhead() {
    md.heading("Iteration overhead: zero interval, empty body (JMH)");
    md.row("Peer", "JDK", "iterations/s", "± (99.9 %)", "vs executor", "note", "load");
    md.separator(7);
    for (JsonNode r : results.scenario("overhead")) {
      JsonNode f = r.path("result");
      double executor =
          BenchResults.figure(
              results.find("overhead", "executor", r.path("jdk").asText(), 0),
              "iterationsPerSecond");
      runRow(
          r,
          peer(r),
          r.path("jdk").asText(),
          count(f.path("iterationsPerSecond")),
          count(f.path("error999")),
          Cells.ratio(f.path("iterationsPerSecond").asDouble(Double.NaN), executor),
          text(f, "note"));
    }
    md.blank();
  }

  private void scale() {
    md.heading(
        "Scale: N services, 1 s interval, held 10 s; Logback at WARN (rows `*-nop`: slf4j-nop)");
    md.row(
        "Peer",
        "JDK",
        "N",
        "start all (s)",
        "peak RSS (MB)",
        "CPU s over 10 s",
        "period error p50 / p99 / max (ms)",
        "iterations / expected",
        "stop all (ms)",
        "note",
        "load");
    md.separator(11);
    for (JsonNode r : results.scenario("scale")) {
      JsonNode f = r.path("result");
      String note =
          f.path("reached").asBoolean(true) ? "" : "not reached: " + f.path("limit").asText();
      if (!f.path("allStarted").asBoolean(true)) {
        note = "not all started within the bound";
      }
      runRow(
          r,
          peer(r),
          r.path("jdk").asText(),
          String.format(Locale.ROOT, "%,d", BenchResults.services(r)),
          seconds(f.path("startAllMs")),
          number(f.path("peakRssMb")),
          number(f.path("cpuSeconds")),
          ms(f, "periodErrorP50Ms")
              + " / "
              + ms(f, "periodErrorP99Ms")
              + " / "
              + ms(f, "periodErrorMaxMs"),
          f.has("iterationsInHold")
              ? String.format(
                  Locale.ROOT,
                  "%,d / %,d",
                  f.path("iterationsInHold").asLong(),
                  f.path("expectedIterationsInHold").asLong())
              : MISSING,
          number(f.path("stopAllMs")),
          note);
    }
    md.blank();
  }

  private void idle() {
    md.heading("Idle cost: 1,000 services, 60 s interval, 10 s window");
    md.row(
        "Peer",
        "JDK",
        "CPU s",
        "wake-ups of the peer's threads",
        "wake-ups of the whole process",
        "iterations in window",
        "threads",
        "load");
    md.separator(8);
    for (JsonNode r : results.scenario("idle")) {
      JsonNode f = r.path("result");
      runRow(
          r,
          peer(r),
          r.path("jdk").asText(),
          number(f.path("cpuSeconds")),
          text(f, "peerThreadWakeups"),
          text(f, "processWakeups"),
          text(f, "iterationsInWindow"),
          text(f, "threads"));
    }
    md.blank();
  }

  private void overrun() {
    md.heading("Overrun: body 150 ms, interval 100 ms, 20 slow iterations then 5 fast ones");
    md.row(
        "Peer",
        "JDK",
        "next start after a slow iteration; then",
        "20th start behind schedule (ms)",
        "WARN lines",
        "first WARN line",
        "load");
    md.separator(7);
    for (JsonNode r : results.scenario("overrun")) {
      JsonNode f = r.path("result");
      runRow(
          r,
          peer(r),
          r.path("jdk").asText(),
          text(f, "pattern"),
          number(f.path("lastSlowStartBehindScheduleMs")),
          text(f, "warnLines"),
          f.path("warnLines").asInt() == 0
              ? "(nothing logged)"
              : "`" + text(f, "firstWarn").replace("|", "\\|") + "`");
    }
    md.blank();
  }

  private void replicas() {
    md.heading(
        "Replicas: separate JVMs on one PostgreSQL, 1 s interval, claims of a dead replica held 2 s");
    List<JsonNode> runs = results.scenario(ReplicaScenario.NAME);
    List<String> header = new ArrayList<>(List.of("Metric"));
    runs.forEach(r -> header.add(peer(r)));
    md.row(header.toArray(String[]::new));
    md.separator(header.size());
    String ofTries = " of " + handOffTries(runs);
    replicaRow(
        runs,
        "fail-over after kill -9: median / max" + ofTries + " (ms)",
        f -> ms(f, "failOverMedianMs") + " / " + ms(f, "failOverMaxMs"));
    replicaRow(
        runs,
        "hand-over after SIGTERM: median / max" + ofTries + " (ms)",
        f -> ms(f, "handOverMedianMs") + " / " + ms(f, "handOverMaxMs"));
    replicaRow(
        runs,
        "fail-over: start against the schedule, median / min / max"
            + ofTries
            + " (ms; 0 = the first slot after the signal, below 0 = before it, about 1,000 = a slot"
            + " skipped)",
        f -> lateness(f, "failOverLate"));
    replicaRow(
        runs,
        "hand-over: start against the schedule, median / min / max" + ofTries + " (ms)",
        f -> lateness(f, "handOverLate"));
    replicaRow(
        runs,
        "database transactions/s per replica (2 replicas, 1,000 services)",
        f -> number(f.path("transactionsPerSecondPerReplica")));
    replicaRow(
        runs,
        "iterations/s of both replicas together (1,000 due)",
        f -> count(f.path("iterationsPerSecond")));
    replicaRow(
        runs,
        "services moving to another replica per second (same window)",
        f -> count(f.path("movesPerSecond")));
    replicaRow(
        runs, "overlapping iterations across replicas", f -> text(f, "overlappingIterations"));
    replicaRow(
        runs,
        "slots run twice (two replicas less than half an interval apart)",
        f -> text(f, "slotsRunTwice"));
    replicaRow(runs, "iterations checked", f -> count(f.path("iterations")));
    loadRow(runs);
    md.blank();
  }

  private void freeze() {
    md.heading(
        "Stale commits after a freeze: 3 replicas on one PostgreSQL, a transaction every 500 ms that inserts a "
            + "row and waits 300 ms; its owner frozen (SIGSTOP) in it until 3 s past the peer's claim");
    List<JsonNode> runs = results.scenario(FreezeScenario.NAME);
    List<String> header = new ArrayList<>(List.of("Metric"));
    runs.forEach(r -> header.add(peer(r)));
    md.row(header.toArray(String[]::new));
    md.separator(header.size());
    replicaRow(
        runs, "freeze (ms): the peer's claim on a dead owner + 3 s", f -> text(f, "freezeMs"));
    replicaRow(
        runs,
        "tries; with the transaction caught in flight",
        f -> text(f, "tries") + "; " + text(f, "caughtInFlight"));
    replicaRow(
        runs,
        "tries where another replica started the service while the owner was frozen",
        f -> text(f, "takenOverWhileFrozen"));
    replicaRow(
        runs,
        "**stale commits**: the frozen owner's transaction committed after another replica started",
        f -> "**" + text(f, "staleCommits") + "**");
    replicaRow(
        runs,
        "the new owner's iterations that the stale commits overlapped",
        f -> text(f, "iterationsOverlappedByStaleCommits"));
    replicaRow(
        runs,
        "one-row insert, fenced commit: median / p99 (ms)",
        f ->
            f.has("fencedCommitMedianMs")
                ? ms(f, "fencedCommitMedianMs") + " / " + ms(f, "fencedCommitP99Ms")
                : "-");
    replicaRow(
        runs,
        "one-row insert, plain commit on the same pool: median / p99 (ms)",
        f ->
            f.has("plainCommitMedianMs")
                ? ms(f, "plainCommitMedianMs") + " / " + ms(f, "plainCommitP99Ms")
                : "-");
    replicaRow(
        runs,
        "round trip (SELECT 1): median / p99 (ms)",
        f ->
            f.has("roundTripMedianMs")
                ? ms(f, "roundTripMedianMs") + " / " + ms(f, "roundTripP99Ms")
                : "-");
    loadRow(runs);
    md.blank();
  }

  /** The row of the machine's 1-minute load average when each run began. */
  private void loadRow(List<JsonNode> runs) {
    List<String> load = new ArrayList<>(List.of("load"));
    runs.forEach(r -> load.add(r.path("loadBefore").asText(MISSING).split(" ")[0]));
    md.row(load.toArray(String[]::new));
  }

  /** How many fail-overs (as many hand-overs) each replicas run made: the most any run recorded. */
  private static int handOffTries(List<JsonNode> runs) {
    return runs.stream().mapToInt(r -> r.path("result").path("failOverMs").size()).max().orElse(0);
  }

  /**
   * Median, min and max of the lateness samples {@code metric}: how far a start was from the
   * schedule.
   */
  private static String lateness(JsonNode f, String metric) {
    double min = Double.NaN;
    for (JsonNode sample : f.path(metric + "Ms")) {
      min = Double.isNaN(min) ? sample.asDouble() : Math.min(min, sample.asDouble());
    }
    return ms(f, metric + "MedianMs") + " / " + ms(min) + " / " + ms(f, metric + "MaxMs");
  }

  private void replicaRow(List<JsonNode> runs, String metric, Function<JsonNode, String> cell) {
    List<String> cells = new ArrayList<>(List.of(metric));
    runs.forEach(r -> cells.add(r.has("result") ? cell.apply(r.path("result")) : MISSING));
    md.row(cells.toArray(String[]::new));
  }

  /**
   * The row of one run whose first figures are its p50, p99 and max (ms): peer, JDK, those, the
   * cells {@code more}, then the load.
   */
  private void percentilesRow(JsonNode r, String... more) {
    JsonNode f = r.path("result");
    List<String> cells =
        new ArrayList<>(
            List.of(
                peer(r), r.path("jdk").asText(), ms(f, "p50Ms"), ms(f, "p99Ms"), ms(f, "maxMs")));
    cells.addAll(List.of(more));
    runRow(r, cells.toArray(String[]::new));
  }

  /** The row of one run: its cells, then the machine's 1-minute load average when the run began. */
  private void runRow(JsonNode r, String... cells) {
    String[] all = Arrays.copyOf(cells, cells.length + 1);
    all[cells.length] = r.path("loadBefore").asText(MISSING).split(" ")[0];
    md.row(all);
  }

  /** The peer as the tables name it: its label, and why its run failed if it did. */
  private static String peer(JsonNode r) {
    String error = r.path("error").asText("");
    return r.path("label").asText()
        + (error.isEmpty() ? "" : " (failed: " + error.replace("|", "/") + ")");
  }
}
