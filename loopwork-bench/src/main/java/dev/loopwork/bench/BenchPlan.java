package dev.loopwork.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the suite measures, in order: the single-service metrics and the JMH overhead benchmark for every peer on
 * JDK 17, the scale points on JDK 17 and, for Loopwork (default pool and virtual threads) and the shared executor
 * (the reference of every ratio), on JDK 25, then the replica peers on PostgreSQL (JDK 17); each in a fresh JVM.
 * Issue 5 asks for JDK 25 at scale only; the other peers use no virtual threads and do not change with the JDK.
 */
final class BenchPlan {
  /** The scenarios, in the order they run. */
  static final List<String> SCENARIOS =
      List.of("stop-latency", "jitter", "overrun", "idle", "overhead", "scale", ReplicaScenario.NAME);

  /** Scale points, services per process. */
  static final List<Integer> SCALE_POINTS = List.of(1_000, 10_000, 100_000);

  /**
   * Scale points for Loopwork with Logback, whose per-service loggers make starting quadratic in N; these runs
   * measure starting and stopping only (no hold).
   */
  static final List<Integer> LOGBACK_SCALE_POINTS = List.of(10_000, 30_000);

  /** Every JVM gets the same heap bound, so that RSS compares like with like, and logs through Logback. */
  static final List<String> JVM =
      List.of("-Xmx2g", "-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider");

  /** The scale scenario runs without a logging backend, so no peer pays for one; see the Logback variant. */
  static final List<String> JVM_NO_LOG_BACKEND =
      List.of("-Xmx2g", "-Dslf4j.provider=org.slf4j.nop.NOPServiceProvider");

  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(2);

  private BenchPlan() {}

  /**
   * The runs for JDK 17 ({@code java17}) and, when {@code java25} is not null, JDK 25, limited to {@code only}
   * scenarios when that is not empty.
   */
  static List<BenchRun> create(Path java17, Path java25, Set<String> only) {
    List<BenchRun> runs = new ArrayList<>();
    for (String scenario : SCENARIOS) {
      if (!only.isEmpty() && !only.contains(scenario)) {
        continue;
      }
      switch (scenario) {
        case "overhead":
          runs.add(overhead("17", java17, String.join(",", IterationOverheadBenchmark.LOOPWORK_START_LOOPS,
              String.join(",", Peers.ALL))));
          break;
        case "scale":
          addScale(runs, "17", java17, List.of("loopwork", "executor", "spring", "guava-rate"));
          for (int services : LOGBACK_SCALE_POINTS) {
            runs.add(new BenchRun("17", java17, "scale", "loopwork-logback", "loopwork",
                List.of("services=" + services, "holdS=0"), JVM, SCALE_TIMEOUT));
          }
          if (java25 != null) {
            addScale(runs, "25", java25, List.of("loopwork"));
            runs.add(scale("25", java25, Peers.LOOPWORK_VIRTUAL, Peers.LOOPWORK_VIRTUAL, 100_000, JVM_NO_LOG_BACKEND));
            runs.add(scale("25", java25, "executor", "executor", 100_000, JVM_NO_LOG_BACKEND));
          }
          break;
        case ReplicaScenario.NAME:
          for (String peer : ReplicaPeers.ALL) {
            runs.add(new BenchRun("17", java17, scenario, peer, peer, List.of(), replicaJvm(), TIMEOUT));
          }
          break;
        default:
          for (String peer : Peers.ALL) {
            runs.add(new BenchRun("17", java17, scenario, peer, peer, List.of(), JVM, TIMEOUT));
          }
      }
    }
    return runs;
  }

  /** The scenario JVM of a replicas run: the usual options, and the PostgreSQL server if one was named. */
  private static List<String> replicaJvm() {
    List<String> jvm = new ArrayList<>(JVM);
    for (String property : List.of("loopwork.bench.pg.url", "loopwork.bench.pg.user")) {
      if (System.getProperty(property) != null) {
        jvm.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    return jvm;
  }

  private static void addScale(List<BenchRun> runs, String jdk, Path java, List<String> peers) {
    for (String peer : peers) {
      for (int services : SCALE_POINTS) {
        runs.add(scale(jdk, java, peer, peer, services, JVM_NO_LOG_BACKEND));
      }
    }
  }

  private static BenchRun scale(String jdk, Path java, String label, String peer, int services, List<String> jvm) {
    return new BenchRun(jdk, java, "scale", label, peer, List.of("services=" + services), jvm, SCALE_TIMEOUT);
  }

  private static BenchRun overhead(String jdk, Path java, String peers) {
    return new BenchRun(jdk, java, "overhead", "jmh", peers, List.of(), JVM, Duration.ofMinutes(5));
  }
}
