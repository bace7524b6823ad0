package dev.loopwork.bench;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Replicas: one peer's services on several replica processes ({@link ReplicaMain}, one JVM each)
 * against a PostgreSQL database of the peer's own. Two phases, each on a fresh database:
 *
 * <ol>
 *   <li><em>Fail-over and hand-over</em>: {@code replicas} (5) replicas run one service {@code
 *       svc-0} with a {@code intervalMs} (1000) interval and a {@code bodyMs} (100) body. {@code
 *       tries} (20) times each, alternately: once at least three replicas are up, the replica that
 *       begins the next iteration is killed ({@code kill -9}) or sent SIGTERM at a set phase after
 *       that start (the k-th signal of each kind (2k + 1) / 2 {@code tries} of an interval after
 *       it, the same for every peer); taken are the time from the signal to the start of the next
 *       iteration on another replica, and how late that start is against the schedule (the later of
 *       the signal and the previous start plus one interval). A new replica is started in its place
 *       at once (with {@link ReplicaProcess#QUICK_START}, so that it is up sooner).
 *   <li><em>Load</em>: 2 replicas run {@code services} (1,000) services with the same interval and
 *       an empty body; once every service has run since both started, after {@code warmupS} (12) s
 *       (more than the 10 s PostgreSQL may wait before an idle session reports its counts, so that
 *       none of the start's transactions is counted in the window), the database's transactions
 *       over {@code windowS} (8) s, per second and per replica; the iterations per second of all
 *       replicas; and how often per second a service's iteration ran on another replica than its
 *       previous one.
 * </ol>
 *
 * <p>Over both phases: iterations of one service on two replicas that overlapped in time, and
 * iterations that started less than half an interval after one of the same service on another
 * replica (a slot run twice).
 */
final class ReplicaScenario {
  /** The scenario's name on the command line. */
  static final String NAME = "replicas";

  private static final String SERVICE = "svc-0";
  private static final Duration STARTUP = Duration.ofSeconds(60);

  /**
   * Replicas up before each fail-over or hand-over: two remain after it, so every peer always sees
   * at least two members, and Loopwork (one lease each, with its journal pruner's) never has one
   * replica take both leases and hand one back when the next replica joins.
   */
  private static final int MIN_READY = 3;

  private final IterationLog log = new IterationLog();
  private final List<ReplicaProcess> all = new ArrayList<>();
  private String peer;
  private Duration interval;

  /**
   * Measures {@code peerId} (a {@link ReplicaPeers} identifier) and returns the figures by name.
   */
  Map<String, Object> run(String peerId, Params params) throws Exception {
    ReplicaPeers.create(peerId).close(); // fails fast on an unknown peer
    this.peer = peerId;
    this.interval = params.millis("intervalMs", 1000);
    int tries = params.integer("tries", 20);
    int services = params.integer("services", 1_000);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("intervalMs", interval.toMillis());
    result.put("claimAfterCrashMs", ReplicaPeer.CLAIM_AFTER_CRASH.toMillis());
    result.put("tries", tries);
    try {
      String database = "loopwork_bench_" + peerId.replace('-', '_');
      long begin = System.nanoTime();
      try (PostgresBenchDatabase db = createDatabase(database)) {
        handOffs(db, params.integer("replicas", 5), tries, params.millis("bodyMs", 100), result);
      }
      long handOffsDone = System.nanoTime();
      try (PostgresBenchDatabase db = createDatabase(database)) {
        load(db, services, params.integer("warmupS", 12), params.integer("windowS", 8), result);
      }
      result.put("handOffPhaseS", (handOffsDone - begin) / 1e9);
      result.put("loadPhaseS", (System.nanoTime() - handOffsDone) / 1e9);
    } finally {
      all.forEach(ReplicaProcess::close);
    }
    result.put("overlappingIterations", log.overlapping());
    result.put("slotsRunTwice", log.closerThan(interval.toNanos() / 2_000));
    result.put("iterations", log.size());
    return result;
  }

  private PostgresBenchDatabase createDatabase(String name) throws SQLException {
    PostgresBenchDatabase db = PostgresBenchDatabase.create(name);
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(db.url());
    try (ReplicaPeer tables = ReplicaPeers.create(peer)) {
      tables.createTables(dataSource);
    }
    return db;
  }

  private void handOffs(
      PostgresBenchDatabase db, int replicas, int tries, Duration body, Map<String, Object> result)
      throws Exception {
    List<ReplicaProcess> live = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      live.add(start(db, 1, body, ReplicaProcess.QUICK_START));
    }
    awaitUntil(
        () -> live.stream().allMatch(ReplicaProcess::isReady), STARTUP, "every replica ready");
    Thread.sleep(interval.multipliedBy(2).toMillis()); // the hand-offs of the start are over
    double[][] latency = new double[2][tries];
    double[][] late = new double[2][tries];
    for (int i = 0; i < 2 * tries; i++) {
      awaitUntil(
          () -> live.stream().filter(ReplicaProcess::isReady).count() >= MIN_READY,
          STARTUP,
          MIN_READY + " replicas ready");
      // The k-th signal of each kind comes (2k + 1) / 2n of an interval after a start: the same
      // phases for every peer.
      ReplicaProcess runner =
          runnerAtPhase(live, (2L * (i / 2) + 1) * interval.toMillis() / (2L * tries));
      boolean kill = i % 2 == 0;
      long signalled = IterationLog.nowMicros();
      // Read now: once another replica begins an iteration, the signalled one's, which may never
      // end, is no longer
      // the latest begun.
      long due = log.lastStartBefore(SERVICE, signalled).orElseThrow() + interval.toNanos() / 1000;
      if (kill) {
        runner.kill();
      } else {
        runner.terminate();
      }
      live.remove(runner);
      if (i + 1 < 2 * tries) {
        live.add(start(db, 1, body, ReplicaProcess.QUICK_START));
      }
      awaitUntil(
          () -> log.firstElsewhereAfter(SERVICE, runner.replica, signalled).isPresent(),
          STARTUP,
          "an iteration on another replica after the "
              + (kill ? "kill" : "SIGTERM")
              + " of "
              + runner.replica);
      long next =
          log.firstElsewhereAfter(SERVICE, runner.replica, signalled).orElseThrow().startMicros();
      latency[i % 2][i / 2] = (next - signalled) / 1000.0;
      late[i % 2][i / 2] = (next - Math.max(due, signalled)) / 1000.0;
    }
    stopAll(live);
    put(result, "failOver", latency[0]);
    put(result, "failOverLate", late[0]);
    put(result, "handOver", latency[1]);
    put(result, "handOverLate", late[1]);
  }

  /**
   * Waits until the next iteration of the service begins on a live replica and then until {@code
   * phaseMillis} after that start; returns that replica.
   */
  private ReplicaProcess runnerAtPhase(List<ReplicaProcess> live, long phaseMillis)
      throws InterruptedException {
    long since = IterationLog.nowMicros();
    awaitUntil(
        () -> log.lastStartBefore(SERVICE, Long.MAX_VALUE).orElse(0L) > since,
        STARTUP,
        "an iteration of the service");
    ReplicaProcess runner = latestRunner(live);
    long start = log.lastStartBefore(SERVICE, Long.MAX_VALUE).orElseThrow();
    long waitMillis = (start - IterationLog.nowMicros()) / 1000 + phaseMillis;
    if (waitMillis > 0) {
      Thread.sleep(waitMillis);
    }
    return runner;
  }

  /**
   * The live replica that began the latest iteration of the service; waits for one if a dead one
   * did.
   */
  private ReplicaProcess latestRunner(List<ReplicaProcess> live) throws InterruptedException {
    ReplicaProcess[] runner = new ReplicaProcess[1];
    awaitUntil(
        () -> {
          runner[0] = log.latestLiveRunner(SERVICE, live).orElse(null);
          return runner[0] != null;
        },
        STARTUP,
        "an iteration on a live replica");
    return runner[0];
  }

  private void load(
      PostgresBenchDatabase db, int services, int warmupS, int windowS, Map<String, Object> result)
      throws Exception {
    long begin = System.nanoTime();
    List<ReplicaProcess> pair =
        List.of(
            start(db, services, Duration.ZERO, List.of()),
            start(db, services, Duration.ZERO, List.of()));
    awaitUntil(
        () -> pair.stream().allMatch(ReplicaProcess::isReady), STARTUP, "both replicas ready");
    long since = IterationLog.nowMicros();
    awaitUntil(() -> log.servicesStartedAfter(since) >= services, STARTUP, "every service running");
    result.put("loadStartS", (System.nanoTime() - begin) / 1e9);
    Thread.sleep(warmupS * 1000L);
    long transactionsBefore = db.transactions();
    long from = IterationLog.nowMicros();
    Thread.sleep(windowS * 1000L);
    long transactions = db.transactions() - transactionsBefore;
    long to = IterationLog.nowMicros();
    stopAll(pair);
    double seconds = (to - from) / 1e6;
    result.put("services", services);
    result.put("loadReplicas", pair.size());
    result.put("windowS", windowS);
    result.put("transactionsPerSecondPerReplica", transactions / seconds / pair.size());
    result.put("iterationsPerSecond", log.startedBetween(from, to) / seconds);
    result.put("movesPerSecond", log.movesBetween(from, to) / seconds);
  }

  private ReplicaProcess start(
      PostgresBenchDatabase db, int services, Duration body, List<String> jvm) throws IOException {
    String url = ReplicaPeers.create(peer).url(db.url());
    ReplicaProcess replica =
        ReplicaProcess.start(peer, url, "r" + (all.size() + 1), services, interval, body, jvm, log);
    all.add(replica);
    return replica;
  }

  private static void stopAll(List<ReplicaProcess> replicas) throws InterruptedException {
    replicas.forEach(ReplicaProcess::terminate);
    for (ReplicaProcess replica : replicas) {
      replica.awaitExit(Duration.ofSeconds(30));
    }
  }

  private static void put(Map<String, Object> result, String metric, double[] millis) {
    Samples samples = new Samples(millis);
    result.put(metric + "MedianMs", samples.median());
    result.put(metric + "MaxMs", samples.max());
    result.put(metric + "Ms", Arrays.stream(millis).boxed().toList());
  }

  static void awaitUntil(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("waited " + timeout.toSeconds() + " s in vain for " + what);
      }
      Thread.sleep(5);
    }
  }
}
