package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Renders the results of one suite run as the generated part of {@code docs/benchmarks.md}: one table per metric,
 * every peer side by side, then the targets with the ratios against the shared executor.
 */
final class BenchReport {
  private static final String MISSING = "–";

  private final JsonNode root;
  private final StringBuilder md = new StringBuilder();

  private BenchReport(JsonNode root) {
    this.root = root;
  }

  /** The markdown for the results file {@code root} (see {@link BenchSuite}). */
  static String render(JsonNode root) {
    return new BenchReport(root).renderAll();
  }

  private String renderAll() {
    JsonNode run = root.path("run");
    line("Measured on " + run.path("date").asText() + " with `" + run.path("command").asText() + "` in "
        + run.path("durationS").asLong() + " s: JDK 17 = " + run.path("jdk17").asText() + ", JDK 25 = "
        + run.path("jdk25").asText("not run") + "; " + run.path("cores").asInt() + " cores, load average "
        + run.path("loadBefore").asText() + " before and " + run.path("loadAfter").asText()
        + " after (other engineers' builds shared the machine; the last column of each table is the 1-minute load"
        + " average when that measurement began). Raw figures: `bench/results/benchmarks.json`.");
    for (JsonNode partial : run.path("partialRuns")) {
      List<String> scenarios = new ArrayList<>();
      partial.path("scenarios").forEach(s -> scenarios.add(s.asText()));
      blank();
      line("The " + String.join(", ", scenarios) + " figures are from a later partial run: " + partial.path("date")
          .asText() + " with `" + partial.path("command").asText() + "` in " + partial.path("durationS").asLong()
          + " s, JDK 17 = " + partial.path("jdk17").asText() + ", load average " + partial.path("loadBefore")
          .asText() + " before and " + partial.path("loadAfter").asText() + " after.");
    }
    blank();
    stopLatency();
    jitter();
    overhead();
    scale();
    idle();
    overrun();
    replicas();
    targets();
    return md.toString();
  }

  private void stopLatency() {
    heading("Stop latency (ms)");
    row("Peer", "JDK", "median", "p99", "max", "trials", "load");
    separator(7);
    for (JsonNode r : results("stop-latency")) {
      JsonNode f = r.path("result");
      runRow(r, peer(r), r.path("jdk").asText(), ms(f, "medianMs"), ms(f, "p99Ms"), ms(f, "maxMs"), text(f, "trials"));
    }
    blank();
  }

  private void jitter() {
    heading("Scheduling jitter: 50 ms interval, 200 iterations (ms)");
    row("Peer", "JDK", "p50", "p99", "max", "drift per 10,000 iterations (extrapolated)", "load");
    separator(7);
    for (JsonNode r : results("jitter")) {
      JsonNode f = r.path("result");
      runRow(r, peer(r), r.path("jdk").asText(), ms(f, "p50Ms"), ms(f, "p99Ms"), ms(f, "maxMs"),
          ms(f, "driftMsPer10000Iterations"));
    }
    blank();
  }

  private void overhead() {
    heading("Iteration overhead: zero interval, empty body (JMH)");
    row("Peer", "JDK", "iterations/s", "± (99.9 %)", "vs executor", "note", "load");
    separator(7);
    for (JsonNode r : results("overhead")) {
      JsonNode f = r.path("result");
      double executor = figure(find("overhead", "executor", r.path("jdk").asText(), 0), "iterationsPerSecond");
      runRow(r, peer(r), r.path("jdk").asText(), count(f.path("iterationsPerSecond")), count(f.path("error999")),
          ratio(f.path("iterationsPerSecond").asDouble(Double.NaN), executor), text(f, "note"));
    }
    blank();
  }

  private void scale() {
    heading("Scale: N services, 1 s interval, held 10 s");
    row("Peer", "JDK", "N", "start all (s)", "peak RSS (MB)", "CPU s over 10 s", "period error p50 / p99 / max (ms)",
        "iterations / expected", "stop all (ms)", "note", "load");
    separator(11);
    for (JsonNode r : results("scale")) {
      JsonNode f = r.path("result");
      String note = f.path("reached").asBoolean(true) ? "" : "not reached: " + f.path("limit").asText();
      if (!f.path("allStarted").asBoolean(true)) {
        note = "not all started within the bound";
      }
      runRow(r, peer(r), r.path("jdk").asText(), String.format(Locale.ROOT, "%,d", f.path("requestedServices").asInt()),
          seconds(f.path("startAllMs")), number(f.path("peakRssMb")), number(f.path("cpuSeconds")),
          ms(f, "periodErrorP50Ms") + " / " + ms(f, "periodErrorP99Ms") + " / " + ms(f, "periodErrorMaxMs"),
          f.has("iterationsInHold") ? String.format(Locale.ROOT, "%,d / %,d", f.path("iterationsInHold").asLong(),
              f.path("expectedIterationsInHold").asLong()) : MISSING,
          number(f.path("stopAllMs")), note);
    }
    blank();
  }

  private void idle() {
    heading("Idle cost: 1,000 services, 60 s interval, 10 s window");
    row("Peer", "JDK", "CPU s", "wake-ups of the peer's threads", "wake-ups of the whole process",
        "iterations in window", "threads", "load");
    separator(8);
    for (JsonNode r : results("idle")) {
      JsonNode f = r.path("result");
      runRow(r, peer(r), r.path("jdk").asText(), number(f.path("cpuSeconds")), text(f, "peerThreadWakeups"),
          text(f, "processWakeups"), text(f, "iterationsInWindow"), text(f, "threads"));
    }
    blank();
  }

  private void overrun() {
    heading("Overrun: body 150 ms, interval 100 ms, 20 slow iterations then 5 fast ones");
    row("Peer", "JDK", "next start after a slow iteration; then", "20th start behind schedule (ms)", "WARN lines",
        "first WARN line", "load");
    separator(7);
    for (JsonNode r : results("overrun")) {
      JsonNode f = r.path("result");
      runRow(r, peer(r), r.path("jdk").asText(), text(f, "pattern"), number(f.path("lastSlowStartBehindScheduleMs")),
          text(f, "warnLines"), f.path("warnLines").asInt() == 0 ? "(nothing logged)"
              : "`" + text(f, "firstWarn").replace("|", "\\|") + "`");
    }
    blank();
  }

  private void replicas() {
    heading("Replicas: separate JVMs on one PostgreSQL, 1 s interval, claims of a dead replica held 2 s");
    List<JsonNode> runs = results(ReplicaScenario.NAME);
    List<String> header = new ArrayList<>(List.of("Metric"));
    runs.forEach(r -> header.add(peer(r)));
    row(header.toArray(String[]::new));
    separator(header.size());
    replicaRow(runs, "fail-over after kill -9: median / max of 10 (ms)",
        f -> ms(f, "failOverMedianMs") + " / " + ms(f, "failOverMaxMs"));
    replicaRow(runs, "hand-over after SIGTERM: median / max of 10 (ms)",
        f -> ms(f, "handOverMedianMs") + " / " + ms(f, "handOverMaxMs"));
    replicaRow(runs, "database transactions/s per replica (2 replicas, 1,000 services)",
        f -> number(f.path("transactionsPerSecondPerReplica")));
    replicaRow(runs, "iterations/s of both replicas together (1,000 due)", f -> count(f.path("iterationsPerSecond")));
    replicaRow(runs, "services moving to another replica per second (same window)",
        f -> count(f.path("movesPerSecond")));
    replicaRow(runs, "overlapping iterations across replicas", f -> text(f, "overlappingIterations"));
    replicaRow(runs, "slots run twice (two replicas less than half an interval apart)",
        f -> text(f, "slotsRunTwice"));
    replicaRow(runs, "iterations checked", f -> count(f.path("iterations")));
    List<String> load = new ArrayList<>(List.of("load"));
    runs.forEach(r -> load.add(r.path("loadBefore").asText(MISSING).split(" ")[0]));
    row(load.toArray(String[]::new));
    blank();
  }

  private void replicaRow(List<JsonNode> runs, String metric, Function<JsonNode, String> cell) {
    List<String> cells = new ArrayList<>(List.of(metric));
    runs.forEach(r -> cells.add(r.has("result") ? cell.apply(r.path("result")) : MISSING));
    row(cells.toArray(String[]::new));
  }

  private void targets() {
    heading("Targets of issue 5 (JDK 17 unless noted; ratios against the shared executor of this run)");
    row("Target", "Loopwork", "Shared executor", "Ratio", "Verdict");
    separator(5);
    JsonNode stop = find("stop-latency", "loopwork", "17", 0);
    double stopP99 = figure(stop, "p99Ms");
    double bestPeerP99 = Double.POSITIVE_INFINITY;
    for (JsonNode r : results("stop-latency")) {
      if (!r.path("label").asText().startsWith("loopwork") && r.has("result")) {
        bestPeerP99 = Math.min(bestPeerP99, figure(r, "p99Ms"));
      }
    }
    double exStop = figure(find("stop-latency", "executor", "17", 0), "p99Ms");
    target("stop an idle service: p99 < 1 ms and below every peer's p99", ms(stopP99), ms(exStop),
        ratio(stopP99, exStop), verdict(stop, stopP99 < 1 && stopP99 < bestPeerP99));

    JsonNode jit = find("jitter", "loopwork", "17", 0);
    double jitP99 = figure(jit, "p99Ms");
    double exJit = figure(find("jitter", "executor", "17", 0), "p99Ms");
    target("50 ms jitter p99 at or under the executor's", ms(jitP99), ms(exJit), ratio(jitP99, exJit),
        verdict(jit, jitP99 <= exJit));
    double drift = figure(jit, "driftMsPer10000Iterations");
    target("zero drift over 10,000 iterations (ms, extrapolated from 200; under 10 ms either way counts as zero)", ms(drift),
        ms(figure(find("jitter", "executor", "17", 0), "driftMsPer10000Iterations")), MISSING,
        verdict(jit, Math.abs(drift) < 10));

    JsonNode loops = find("overhead", IterationOverheadBenchmark.LOOPWORK_START_LOOPS, "17", 0);
    double loopsRate = figure(loops, "iterationsPerSecond");
    double exRate = figure(find("overhead", "executor", "17", 0), "iterationsPerSecond");
    target("empty iterations/s on blocking start(loops) at least the executor's", count(loopsRate), count(exRate),
        ratio(loopsRate, exRate), verdict(loops, loopsRate >= exRate));

    JsonNode big = find("scale", "loopwork", "17", 100_000);
    JsonNode exBig = find("scale", "executor", "17", 100_000);
    double rss = figure(big, "peakRssMb");
    double exRss = figure(exBig, "peakRssMb");
    target("100,000 services: RSS within 1.5x the executor's", number(rss), number(exRss), ratio(rss, exRss),
        verdict(big, rss <= 1.5 * exRss));
    double cpu = figure(big, "cpuSeconds");
    double exCpu = figure(exBig, "cpuSeconds");
    target("100,000 services: CPU within 1.5x the executor's", number(cpu), number(exCpu), ratio(cpu, exCpu),
        verdict(big, cpu <= 1.5 * exCpu));
    double err = figure(big, "periodErrorP99Ms");
    target("100,000 services: period error p99 < 20 ms", ms(err), ms(figure(exBig, "periodErrorP99Ms")),
        MISSING, verdict(big, err < 20));
    double stopAll = figure(big, "stopAllMs");
    double exStopAll = figure(exBig, "stopAllMs");
    target("100,000 services: stop all < 100 ms", number(stopAll), number(exStopAll), ratio(stopAll, exStopAll),
        verdict(big, stopAll < 100));
    JsonNode guava = find("scale", "guava-rate", "17", 100_000);
    target("Guava fails at 100,000 services", MISSING, MISSING, MISSING,
        guava == null ? "not measured" : guava.path("result").path("reached").asBoolean(true) ? "MISSED: reached"
            : "shown (refused above its cap)");
    JsonNode idle = find("idle", "loopwork", "17", 0);
    double wakeups = figure(idle, "peerThreadWakeups");
    target("zero wake-ups of a waiting service (peer threads, 10 s window)", count(wakeups),
        count(figure(find("idle", "executor", "17", 0), "peerThreadWakeups")), MISSING,
        verdict(idle, wakeups == 0));
    blank();
  }

  private void target(String name, String loopwork, String executor, String ratio, String verdict) {
    row(name, loopwork, executor, ratio, verdict);
  }

  private static String verdict(JsonNode node, boolean met) {
    if (node == null || !node.has("result")) {
      return "not measured";
    }
    return met ? "met" : "**MISSED**";
  }

  private List<JsonNode> results(String scenario) {
    List<JsonNode> list = new ArrayList<>();
    for (JsonNode r : root.path("results")) {
      if (r.path("scenario").asText().equals(scenario)) {
        list.add(r);
      }
    }
    return list;
  }

  /** The result of {@code label} on {@code jdk}; for scale, of the point with {@code services}; null if none. */
  private JsonNode find(String scenario, String label, String jdk, int services) {
    for (JsonNode r : results(scenario)) {
      if (r.path("label").asText().equals(label) && r.path("jdk").asText().equals(jdk)
          && (services == 0 || r.path("result").path("requestedServices").asInt() == services)) {
        return r;
      }
    }
    return null;
  }

  private static double figure(JsonNode run, String field) {
    if (run == null) {
      return Double.NaN;
    }
    JsonNode value = run.path("result").path(field);
    return value.isNumber() ? value.asDouble() : Double.NaN;
  }

  private static String peer(JsonNode r) {
    String error = r.path("error").asText("");
    return r.path("label").asText() + (error.isEmpty() ? "" : " (failed: " + error.replace("|", "/") + ")");
  }

  private static String text(JsonNode f, String field) {
    JsonNode v = f.path(field);
    return v.isMissingNode() || v.isNull() ? MISSING : v.asText();
  }

  private static String ms(JsonNode f, String field) {
    JsonNode v = f.path(field);
    return v.isNumber() ? ms(v.asDouble()) : MISSING;
  }

  private static String ms(double v) {
    if (Double.isNaN(v)) {
      return MISSING;
    }
    double a = Math.abs(v);
    return String.format(Locale.ROOT, a < 1 ? "%.3f" : a < 10 ? "%.2f" : a < 100 ? "%.1f" : "%,.0f", v);
  }

  private static String number(JsonNode v) {
    return v.isNumber() ? number(v.asDouble()) : MISSING;
  }

  private static String number(double v) {
    return Double.isNaN(v) ? MISSING : ms(v);
  }

  private static String seconds(JsonNode millis) {
    return millis.isNumber() ? ms(millis.asDouble() / 1000) : MISSING;
  }

  private static String count(JsonNode v) {
    return v.isNumber() ? count(v.asDouble()) : MISSING;
  }

  private static String count(double v) {
    return Double.isNaN(v) ? MISSING : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String ratio(double value, double reference) {
    if (Double.isNaN(value) || Double.isNaN(reference) || reference == 0) {
      return MISSING;
    }
    return String.format(Locale.ROOT, "%.2fx", value / reference);
  }

  private void heading(String title) {
    md.append("### ").append(title).append("\n\n");
  }

  /** The row of one run: its cells, then the machine's 1-minute load average when the run began. */
  private void runRow(JsonNode r, String... cells) {
    String[] all = Arrays.copyOf(cells, cells.length + 1);
    all[cells.length] = r.path("loadBefore").asText(MISSING).split(" ")[0];
    row(all);
  }

  private void row(String... cells) {
    md.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  private void separator(int columns) {
    md.append("|").append("---|".repeat(columns)).append('\n');
  }

  private void line(String text) {
    md.append(text).append('\n');
  }

  private void blank() {
    md.append('\n');
  }
}
