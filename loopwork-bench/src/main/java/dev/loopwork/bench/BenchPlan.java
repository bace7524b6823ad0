package dev.loopwork.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the suite measures, in order: the single-service metrics and the JMH overhead benchmark for
 * every peer on JDK 17, the scale points on JDK 17 and, for Loopwork (default pool and virtual
 * threads) and the shared executor (the reference of every ratio), on JDK 25, then the replica
 * peers on PostgreSQL (JDK 17), then the cron peers (JDK 17, at the same time); each in a fresh
 * JVM. Issue 5 asks for JDK 25 at scale only; the other peers use no virtual threads and do not
 * change with the JDK.
 *
 * <p>Every run logs through Logback at WARN ({@link #JVM}; the root level is set by this module's
 * {@value LoggingBackend#CONFIG}), as users run (issue 11). Beside them, Loopwork and the shared
 * executor also run the largest scale point on JDK 17 with {@code slf4j-nop} ({@link #JVM_NOP},
 * labels ending in {@value #NOP_SUFFIX}), which shows what the backend costs each of them.
 */
final class BenchPlan {
  /** The scenarios, in the order they run. */
  static final List<String> SCENARIOS =
      List.of(
          "stop-latency",
          "jitter",
          "overrun",
          "idle",
          "overhead",
          "scale",
          ReplicaScenario.NAME,
          FreezeScenario.NAME,
          CronScenario.NAME);

  /**
   * The scenarios whose peers run at the same time, each in its own JVM: the cron peers wait for
   * the wall clock's seconds (200 of them) and are all but idle in between.
   */
  static final Set<String> RUN_TOGETHER = Set.of(CronScenario.NAME);

  /** Scale points, services per process. */
  static final List<Integer> SCALE_POINTS = List.of(1_000, 10_000, 100_000);

  /**
   * The peers of the scale scenario on JDK 17 (Guava's thread-per-service model is the same for
   * both schedules).
   */
  static final List<String> SCALE_PEERS = List.of("loopwork", "executor", "spring", "guava-rate");

  /** The peers that also run the largest scale point on JDK 17 with {@code slf4j-nop}. */
  static final List<String> NOP_PEERS = List.of("loopwork", "executor");

  /** The label suffix of the {@code slf4j-nop} rows, e.g. {@code loopwork-nop}. */
  static final String NOP_SUFFIX = "-nop";

  /**
   * The JVM option that selects Logback as the SLF4J backend (the report tells the Logback rows by
   * it).
   */
  static final String LOGBACK =
      "-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider";

  /**
   * The JVM option that names this module's Logback configuration (root at WARN). Named, not found:
   * a {@code logback-test.xml} on the class path (loopwork-core's test jar carries one) would
   * otherwise win over a {@code logback.xml}.
   */
  static final String LOGBACK_CONFIG = "-Dlogback.configurationFile=" + LoggingBackend.CONFIG;

  /**
   * Every JVM gets the same heap bound, so that RSS compares like with like, and logs through
   * Logback.
   */
  static final List<String> JVM = List.of("-Xmx2g", LOGBACK, LOGBACK_CONFIG);

  /** As {@link #JVM}, but without a logging backend: for the rows beside the Logback ones. */
  static final List<String> JVM_NOP =
      List.of("-Xmx2g", "-Dslf4j.provider=org.slf4j.nop.NOPServiceProvider");

  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(2);

  /**
   * A replicas run: twenty fail-overs by the lease TTL (10 s each behind a pooler) and twenty
   * hand-overs, then the load.
   */
  private static final Duration REPLICAS_TIMEOUT = Duration.ofMinutes(7);

  /** A freeze run: twenty freezes of up to 13 s each, then (Loopwork) the commit timings. */
  private static final Duration FREEZE_TIMEOUT = Duration.ofMinutes(9);

  /** A cron run: 202 fires a second apart. */
  private static final Duration CRON_TIMEOUT = Duration.ofMinutes(5);

  private BenchPlan() {}

  /**
   * The runs for JDK 17 ({@code java17}) and, when {@code java25} is not null, JDK 25, limited to
   * {@code only} scenarios when that is not empty.
   */
  static List<BenchRun> create(Path java17, Path java25, Set<String> only) {
    return create(java17, java25, only, List.of());
  }

  /**
   * As {@link #create(Path, Path, Set)}, with {@code cronParams} ({@code key=value}, e.g. {@code
   * fires=20}) for the cron runs.
   */
  static List<BenchRun> create(
      Path java17, Path java25, Set<String> only, List<String> cronParams) {
    List<BenchRun> runs = new ArrayList<>();
    for (String scenario : SCENARIOS) {
      if (!only.isEmpty() && !only.contains(scenario)) {
        continue;
      }
      switch (scenario) {
        case "overhead":
          runs.add(
              overhead(
                  "17",
                  java17,
                  String.join(
                      ",",
                      IterationOverheadBenchmark.LOOPWORK_START_LOOPS,
                      String.join(",", Peers.ALL))));
          break;
        case "scale":
          addScaleScenario(runs, java17, java25);
          break;
        case ReplicaScenario.NAME:
          for (String peer : ReplicaPeers.ALL) {
            runs.add(
                new BenchRun(
                    "17", java17, scenario, peer, peer, List.of(), replicaJvm(), REPLICAS_TIMEOUT));
          }
          break;
        case FreezeScenario.NAME:
          for (String peer : FreezeScenario.PEERS) {
            runs.add(
                new BenchRun(
                    "17", java17, scenario, peer, peer, List.of(), replicaJvm(), FREEZE_TIMEOUT));
          }
          break;
        case CronScenario.NAME:
          for (String peer : CronScenario.PEERS) {
            runs.add(
                new BenchRun("17", java17, scenario, peer, peer, cronParams, JVM, CRON_TIMEOUT));
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

  /**
   * {@code runs} in the groups that run at the same time, in order: the consecutive runs of one
   * {@link #RUN_TOGETHER} scenario form one group, every other run is a group of its own.
   */
  static List<List<BenchRun>> groups(List<BenchRun> runs) {
    List<List<BenchRun>> groups = new ArrayList<>();
    List<BenchRun> last = null;
    for (BenchRun run : runs) {
      if (last != null
          && RUN_TOGETHER.contains(run.scenario())
          && last.get(0).scenario().equals(run.scenario())) {
        last.add(run);
      } else {
        last = new ArrayList<>(List.of(run));
        groups.add(last);
      }
    }
    return groups;
  }

  /**
   * The scenario JVM of a replicas run: the usual options, and the PostgreSQL server if one was
   * named.
   */
  private static List<String> replicaJvm() {
    List<String> jvm = new ArrayList<>(JVM);
    for (String property : List.of("loopwork.bench.pg.url", "loopwork.bench.pg.user")) {
      if (System.getProperty(property) != null) {
        jvm.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    return jvm;
  }

  /**
   * The scale runs: on JDK 17 every point of every {@link #SCALE_PEERS} peer, then the {@code
   * slf4j-nop} rows of {@link #NOP_PEERS} at the largest point; on JDK 25 (if {@code java25} is not
   * null) every point of Loopwork and the largest of {@code loopwork-virtual} and the shared
   * executor. All but the {@code slf4j-nop} rows log through Logback.
   */
  private static void addScaleScenario(List<BenchRun> runs, Path java17, Path java25) {
    addScale(runs, "17", java17, SCALE_PEERS);
    for (String peer : NOP_PEERS) {
      runs.add(scale("17", java17, peer + NOP_SUFFIX, peer, largestScalePoint(), JVM_NOP));
    }
    if (java25 != null) {
      addScale(runs, "25", java25, List.of("loopwork"));
      runs.add(
          scale(
              "25",
              java25,
              Peers.LOOPWORK_VIRTUAL,
              Peers.LOOPWORK_VIRTUAL,
              largestScalePoint(),
              JVM));
      runs.add(scale("25", java25, "executor", "executor", largestScalePoint(), JVM));
    }
  }

  /** Every scale point for each of {@code peers}, with Logback. */
  private static void addScale(List<BenchRun> runs, String jdk, Path java, List<String> peers) {
    for (String peer : peers) {
      for (int services : SCALE_POINTS) {
        runs.add(scale(jdk, java, peer, peer, services, JVM));
      }
    }
  }

  private static int largestScalePoint() {
    return SCALE_POINTS.get(SCALE_POINTS.size() - 1);
  }

  private static BenchRun scale(
      String jdk, Path java, String label, String peer, int services, List<String> jvm) {
    return new BenchRun(
        jdk, java, "scale", label, peer, List.of("services=" + services), jvm, SCALE_TIMEOUT);
  }

  private static BenchRun overhead(String jdk, Path java, String peers) {
    return new BenchRun(jdk, java, "overhead", "jmh", peers, List.of(), JVM, Duration.ofMinutes(5));
  }
}
