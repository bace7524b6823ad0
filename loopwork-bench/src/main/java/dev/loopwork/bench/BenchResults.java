package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The result nodes of a results file (see {@link BenchSuite}), looked up by scenario, label, JDK
 * and scale point. A node without {@code result} is a run that failed (it has an {@code error}); a
 * run that is not in the file (a partial run, a skipped JDK) is looked up as {@code null}.
 */
final class BenchResults {
  private final List<JsonNode> all;

  private BenchResults(List<JsonNode> all) {
    this.all = all;
  }

  /** The results of the file {@code root}. */
  static BenchResults of(JsonNode root) {
    List<JsonNode> all = new ArrayList<>();
    root.path("results").forEach(all::add);
    return new BenchResults(all);
  }

  /**
   * Only the runs whose JVM logged through Logback ({@link BenchPlan#LOGBACK}), which the targets
   * are measured with; the {@code slf4j-nop} rows, and rows of older files that carry no JVM
   * options, are left out.
   */
  BenchResults withLogback() {
    return filtered(
        r -> {
          for (JsonNode option : r.path("jvmArgs")) {
            if (option.asText().equals(BenchPlan.LOGBACK)) {
              return true;
            }
          }
          return false;
        });
  }

  /** The runs of {@code scenario}, in the order they ran. */
  List<JsonNode> scenario(String scenario) {
    List<JsonNode> list = new ArrayList<>();
    for (JsonNode r : all) {
      if (r.path("scenario").asText().equals(scenario)) {
        list.add(r);
      }
    }
    return list;
  }

  /**
   * The run of {@code label} on {@code jdk}; for scale, of the point with {@code services}; null if
   * none.
   */
  JsonNode find(String scenario, String label, String jdk, int services) {
    for (JsonNode r : scenario(scenario)) {
      if (r.path("label").asText().equals(label)
          && r.path("jdk").asText().equals(jdk)
          && (services == 0 || services(r) == services)) {
        return r;
      }
    }
    return null;
  }

  /**
   * The smallest {@code field} of the runs of {@code scenario} on {@code jdk} by peers other than
   * Loopwork (labels that do not start with {@code loopwork}) that have a result; {@code NaN} if
   * there are none.
   */
  double bestOfOtherPeers(String scenario, String jdk, String field) {
    double best = Double.NaN;
    for (JsonNode r : scenario(scenario)) {
      double value = figure(r, field);
      if (!r.path("label").asText().startsWith("loopwork")
          && r.path("jdk").asText().equals(jdk)
          && !Double.isNaN(value)) {
        best = Double.isNaN(best) ? value : Math.min(best, value);
      }
    }
    return best;
  }

  /**
   * The number {@code field} of the result of {@code run}; {@code NaN} if the run or the number is
   * missing.
   */
  static double figure(JsonNode run, String field) {
    if (run == null) {
      return Double.NaN;
    }
    JsonNode value = run.path("result").path(field);
    return value.isNumber() ? value.asDouble() : Double.NaN;
  }

  /**
   * The scale point of {@code run}: its result's {@code requestedServices}, or for a run that
   * failed (no result) its {@code services} parameter (a map in the scenario's own output, {@code
   * services=N} in the suite's failure node); 0 if it has neither.
   */
  static int services(JsonNode run) {
    JsonNode requested = run.path("result").path("requestedServices");
    if (requested.isNumber()) {
      return requested.asInt();
    }
    if (run.path("params").path("services").isTextual()) {
      return Integer.parseInt(run.path("params").path("services").asText());
    }
    for (JsonNode param : run.path("params")) {
      if (param.asText().startsWith("services=")) {
        return Integer.parseInt(param.asText().substring("services=".length()));
      }
    }
    return 0;
  }

  private BenchResults filtered(Predicate<JsonNode> keep) {
    return new BenchResults(all.stream().filter(keep).toList());
  }
}
