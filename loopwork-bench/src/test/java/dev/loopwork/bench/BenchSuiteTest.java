package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's plan, its document and results file handling, and the targets tables of its report.
 */
class BenchSuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void replacesOnlyTheGeneratedPartOfTheDocument(@TempDir Path dir) throws Exception {
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(
        doc,
        "# Benchmarks\nhand-written\n"
            + BenchSuite.BEGIN
            + "\nold\n"
            + BenchSuite.END
            + "\nanalysis\n");

    BenchSuite.writeDoc(doc, "new table\n");

    assertThat(Files.readString(doc))
        .isEqualTo(
            "# Benchmarks\nhand-written\n"
                + BenchSuite.BEGIN
                + "\n\nnew table\n"
                + BenchSuite.END
                + "\nanalysis\n");
  }

  @Test
  void appendsTheGeneratedPartWhenTheMarkersAreMissing(@TempDir Path dir) throws Exception {
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(doc, "# Benchmarks");

    BenchSuite.writeDoc(doc, "table\n");

    assertThat(Files.readString(doc))
        .isEqualTo("# Benchmarks\n" + BenchSuite.BEGIN + "\n\ntable\n" + BenchSuite.END + "\n");
  }

  @Test
  void aPartialRunReplacesTheFiguresOfItsScenariosOnly() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode earlier =
        (ObjectNode)
            json.readTree(
                "{\"run\":{\"date\":\"d1\",\"partialRuns\":["
                    + "{\"date\":\"d0\",\"scenarios\":[\"replicas\"]},{\"date\":\"d0\",\"scenarios\":[\"jitter\"]}]},"
                    + "\"results\":[{\"scenario\":\"jitter\",\"label\":\"old\"},{\"scenario\":\"replicas\",\"label\":\"old\"}]}");
    ObjectNode partial =
        (ObjectNode)
            json.readTree(
                "{\"run\":{\"date\":\"d2\"},"
                    + "\"results\":[{\"scenario\":\"replicas\",\"label\":\"new\"}]}");

    ObjectNode merged = BenchSuite.merge(earlier, partial, Set.of("replicas"));

    assertThat(merged.path("results").toString())
        .isEqualTo(
            "[{\"scenario\":\"jitter\",\"label\":\"old\"},{\"scenario\":\"replicas\",\"label\":\"new\"}]");
    assertThat(merged.path("run").path("date").asText()).isEqualTo("d1");
    assertThat(merged.path("run").path("partialRuns").toString())
        .isEqualTo(
            "[{\"date\":\"d0\",\"scenarios\":[\"jitter\"]},{\"date\":\"d2\",\"scenarios\":[\"replicas\"]}]");
  }

  @Test
  void everyScaleRunLogsThroughLogbackBesideTwoNopRowsAtTheLargestPoint() {
    List<BenchRun> runs = BenchPlan.create(Path.of("java17"), Path.of("java25"), Set.of("scale"));

    List<String> logback = new ArrayList<>();
    List<String> nop = new ArrayList<>();
    for (BenchRun run : runs) {
      assertThat(run.scenario()).isEqualTo("scale");
      String point = run.jdk() + " " + run.label() + " " + String.join(" ", run.params());
      (run.jvmArgs().equals(BenchPlan.JVM) ? logback : nop).add(point);
      assertThat(run.jvmArgs()).isIn(BenchPlan.JVM, BenchPlan.JVM_NOP);
    }
    assertThat(logback)
        .containsExactly(
            "17 loopwork services=1000",
            "17 loopwork services=10000",
            "17 loopwork services=100000",
            "17 executor services=1000",
            "17 executor services=10000",
            "17 executor services=100000",
            "17 spring services=1000",
            "17 spring services=10000",
            "17 spring services=100000",
            "17 guava-rate services=1000",
            "17 guava-rate services=10000",
            "17 guava-rate services=100000",
            "25 loopwork services=1000",
            "25 loopwork services=10000",
            "25 loopwork services=100000",
            "25 loopwork-virtual services=100000",
            "25 executor services=100000");
    assertThat(nop)
        .containsExactly("17 loopwork-nop services=100000", "17 executor-nop services=100000");
  }

  @Test
  void theCronPeersRunTogetherAndEveryOtherRunAlone() {
    List<BenchRun> runs =
        BenchPlan.create(
            Path.of("java17"), null, Set.of("jitter", CronScenario.NAME), List.of("fires=20"));

    List<List<String>> groups =
        BenchPlan.groups(runs).stream()
            .map(g -> g.stream().map(r -> r.scenario() + " " + r.label()).toList())
            .toList();

    assertThat(groups)
        .containsExactly(
            List.of("jitter loopwork"),
            List.of("jitter executor"),
            List.of("jitter spring"),
            List.of("jitter guava-rate"),
            List.of("jitter guava-delay"),
            List.of("cron loopwork", "cron spring"));
    assertThat(runs.get(runs.size() - 1).params()).containsExactly("fires=20");
    assertThat(runs.get(runs.size() - 1).jvmArgs()).isEqualTo(BenchPlan.JVM);
    assertThat(runs.get(0).params()).isEmpty();
  }

  @Test
  void theCronTableShowsTheStartErrorsOfEachPeer() {
    ArrayNode results = JSON.createArrayNode();
    results.add(
        node(
            CronScenario.NAME,
            "loopwork",
            BenchPlan.JVM,
            CronScenario.figures(
                new long[] {1_000_000_000L + 1_500_000, 2_000_000_000L + 250_000})));
    results.add(failedScale("spring", 0, "killed after 300 s").put("scenario", CronScenario.NAME));

    String report = BenchReport.render(root(results));

    assertThat(report)
        .contains(
            "| loopwork | 17 | 0.250 | 1.50 | 1.50 | 0.250 | 2 | 0 / 0 / 0 |",
            "| spring (failed: killed after 300 s) | 17 | – | – | – | – | – | – / – / – |");
  }

  @Test
  void theScenarioJvmsLogThroughLogbackWithTheRootAtWarn() {
    // Surefire selects Logback and names the configuration as the JVMs of the plan do
    // (loopwork-core's
    // test jar, on the class path, carries a logback-test.xml that would otherwise win).
    assertThat(BenchPlan.JVM).contains(BenchPlan.LOGBACK, BenchPlan.LOGBACK_CONFIG);
    assertThat(ReplicaProcess.JVM).contains(BenchPlan.LOGBACK, BenchPlan.LOGBACK_CONFIG);
    assertThat(LoggingBackend.describe()).isEqualTo("logback, root WARN, " + LoggingBackend.CONFIG);
  }

  @Test
  void theIssue11TargetsAreJudgedFromTheLogbackRowsOfTheRun() {
    ArrayNode results = issue11Results();
    results.add(scale("loopwork-nop", BenchPlan.JVM_NOP, 100_000, 1, 0.1, 1, 1));
    results.add(scale("executor-nop", BenchPlan.JVM_NOP, 100_000, 1_000, 100, 1_000, 1_000));

    String report = BenchReport.render(root(results));

    assertThat(issue11Verdicts(report))
        .containsExactly(
            entry(
                "100,000 services: peak RSS (MB) within 1.3x the executor's",
                "| 110 | 90.0 | 1.22x | met |"),
            entry(
                "100,000 services: CPU s over 10 s within 1.3x the executor's",
                "| 2.00 | 1.00 | 2.00x | **MISSED** |"),
            entry(
                "100,000 services: start all (s) within 2x the executor's",
                "| 0.400 | 0.200 | 2.00x | met |"),
            entry(
                "100,000 services: stop all (ms) under 100 ms and at or below the executor's",
                "| 80.0 | 85.0 | 0.94x | met |"),
            entry(
                "10,000 services: CPU s over 10 s within 1.5x the executor's",
                "| 0.500 | 0.400 | 1.25x | met |"),
            entry(
                "stop an idle service (ms): p99 at or below every other peer's, 300 trials",
                "| 0.150 | 0.160 | 0.94x | **MISSED** |"));
  }

  @Test
  void anIssue11TargetWhoseRunIsMissingFailedOrNotOnLogbackIsNotMeasured() {
    ArrayNode results = JSON.createArrayNode();
    results.add(failedScale("loopwork", 100_000, "killed after 120 s"));
    results.add(scale("executor", BenchPlan.JVM, 100_000, 90, 1, 200, 85));
    results.add(scale("loopwork", BenchPlan.JVM_NOP, 10_000, 60, 0.5, 100, 20));
    results.add(scale("executor", BenchPlan.JVM, 10_000, 50, 0.4, 70, 10));
    results.add(stop("loopwork", 100, 0.1));
    results.add(stop("executor", 100, 0.2));

    String report = BenchReport.render(root(results));

    assertThat(issue11Verdicts(report).values())
        .containsExactly(
            "| – | 90.0 | – | not measured (loopwork failed) |",
            "| – | 1.00 | – | not measured (loopwork failed) |",
            "| – | 0.200 | – | not measured (loopwork failed) |",
            "| – | 85.0 | – | not measured (loopwork failed) |",
            "| – | 0.400 | – | not measured |",
            "| 0.100 | 0.200 | 0.50x | not measured (100 trials) |");
    assertThat(report).contains("| loopwork (failed: killed after 120 s) | 17 | 100,000 | – |");
  }

  @Test
  void anEmptyRunRendersEveryTargetAsNotMeasured() {
    String report = BenchReport.render(root(JSON.createArrayNode()));

    assertThat(issue11Verdicts(report).values())
        .hasSize(6)
        .allSatisfy(row -> assertThat(row).endsWith("| not measured |"));
    assertThat(report).contains("### " + Issue5Targets.TITLE);
  }

  @Test
  void theIssue5TargetsAreJudgedFromTheLogbackRowsToo() {
    ArrayNode results = issue11Results();
    results.add(scale("loopwork-nop", BenchPlan.JVM_NOP, 100_000, 1, 0.1, 1, 1));

    String report = BenchReport.render(root(results));

    assertThat(report)
        .contains(
            "| 100,000 services: RSS within 1.5x the executor's | 110 | 90.0 | 1.22x | met |",
            "| 100,000 services: CPU within 1.5x the executor's | 2.00 | 1.00 | 2.00x | **MISSED** |",
            "| 50 ms jitter p99 at or under the executor's | – | – | – | not measured |");
  }

  /**
   * A run of this suite that meets every target of issue 11 but CPU at 100,000 and the stop latency
   * p99.
   */
  private static ArrayNode issue11Results() {
    ArrayNode results = JSON.createArrayNode();
    results.add(scale("loopwork", BenchPlan.JVM, 100_000, 110, 2, 400, 80));
    results.add(scale("executor", BenchPlan.JVM, 100_000, 90, 1, 200, 85));
    results.add(scale("loopwork", BenchPlan.JVM, 10_000, 60, 0.5, 100, 20));
    results.add(scale("executor", BenchPlan.JVM, 10_000, 50, 0.4, 70, 10));
    results.add(stop("loopwork", 300, 0.15));
    results.add(stop("executor", 300, 0.16));
    results.add(stop("spring", 300, 0.12));
    return results;
  }

  private static ObjectNode scale(
      String label,
      List<String> jvm,
      int services,
      double rssMb,
      double cpuS,
      double startMs,
      double stopMs) {
    return node(
        "scale",
        label,
        jvm,
        Map.of(
            "requestedServices",
            services,
            "peakRssMb",
            rssMb,
            "cpuSeconds",
            cpuS,
            "startAllMs",
            startMs,
            "stopAllMs",
            stopMs));
  }

  private static ObjectNode stop(String label, int trials, double p99Ms) {
    return node("stop-latency", label, BenchPlan.JVM, Map.of("trials", trials, "p99Ms", p99Ms));
  }

  /** As {@link ChildLauncher} records a run it had to kill: parameters and error, no result. */
  private static ObjectNode failedScale(String label, int services, String error) {
    ObjectNode node = node("scale", label, BenchPlan.JVM, null);
    node.putArray("params").add("services=" + services);
    return node.put("error", error);
  }

  private static ObjectNode node(
      String scenario, String label, List<String> jvm, Map<String, Object> result) {
    ObjectNode node =
        JSON.createObjectNode().put("scenario", scenario).put("label", label).put("jdk", "17");
    node.set("jvmArgs", JSON.valueToTree(jvm));
    if (result != null) {
      node.set("result", JSON.valueToTree(result));
    }
    return node;
  }

  private static ObjectNode root(ArrayNode results) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("run").put("date", "d");
    root.set("results", results);
    return root;
  }

  /** The rows of the issue 11 table: target, then the cells after it. */
  private static Map<String, String> issue11Verdicts(String report) {
    String table = report.substring(report.indexOf("### " + Issue11Targets.TITLE));
    table = table.substring(0, table.indexOf("\n\n", table.indexOf("|---|")));
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : table.lines().skip(4).toList()) {
      int end = line.indexOf(" |", 2);
      rows.put(line.substring(2, end), line.substring(end + 1));
    }
    return rows;
  }
}
