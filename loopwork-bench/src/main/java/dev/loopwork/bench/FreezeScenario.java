package dev.loopwork.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.LeaseCoordinator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Stale commits after a freeze (issue 13): three replica processes ({@link ReplicaMain} with {@code
 * writes}) of one peer run one service every {@code intervalMs} (500); each iteration inserts a row
 * and then waits {@code bodyMs} (300) in the same transaction, written as the peer has its users
 * write (Loopwork: a fenced transaction; the peers: a plain JDBC transaction). {@code tries} (20)
 * times: once an iteration has begun and its session sits idle in the transaction, its replica gets
 * SIGSTOP with the transaction in flight, stays frozen until 3 s past the peer's claim on a dead
 * owner (Loopwork: its default lease TTL, 10 s; the peers: {@link ReplicaPeer#CLAIM_AFTER_CRASH}),
 * then gets SIGCONT. Counted per try: whether another replica started the service while it was
 * frozen, and whether the frozen transaction then committed anyway (a stale commit), with how many
 * of the new owner's iterations it overlapped.
 *
 * <p>For Loopwork it also times a fenced commit against a plain one on the same pool, one-row
 * inserts alternately, {@code costSamples} (2,000) each, with the round trip of {@code SELECT 1}
 * beside them.
 */
final class FreezeScenario {
  /** The scenario's name on the command line. */
  static final String NAME = "freeze";

  /** The peers measured, in the order of the table. */
  static final List<String> PEERS = List.of("loopwork", "shedlock", "db-scheduler");

  private static final String SERVICE = "svc-0";
  private static final Duration STARTUP = Duration.ofSeconds(60);
  private static final Duration FROZEN_PAST_CLAIM = Duration.ofSeconds(3);
  private static final int REPLICAS = 3;

  private final IterationLog log = new IterationLog();
  private final List<ReplicaProcess> all = new ArrayList<>();

  /** Measures {@code peerId} (one of {@link #PEERS}) and returns the figures by name. */
  Map<String, Object> run(String peerId, Params params) throws Exception {
    if (!PEERS.contains(peerId)) {
      throw new IllegalArgumentException(
          "freeze peer must be one of " + PEERS + ": \"" + peerId + "\"");
    }
    int tries = params.integer("tries", 20);
    Duration interval = params.millis("intervalMs", 500);
    Duration body = params.millis("bodyMs", 300);
    Duration claim =
        peerId.equals("loopwork")
            ? LeaseCoordinator.DEFAULT_LEASE_TTL
            : ReplicaPeer.CLAIM_AFTER_CRASH;
    Duration freeze = claim.plus(FROZEN_PAST_CLAIM);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("tries", tries);
    result.put("freezeMs", freeze.toMillis());
    try (PostgresBenchDatabase db =
        PostgresBenchDatabase.create("loopwork_bench_freeze_" + peerId.replace('-', '_'))) {
      PGSimpleDataSource dataSource = new PGSimpleDataSource();
      dataSource.setURL(db.url());
      try (ReplicaPeer tables = ReplicaPeers.create(peerId);
          Connection c = dataSource.getConnection();
          Statement s = c.createStatement()) {
        tables.createTables(dataSource);
        s.execute(
            "CREATE TABLE "
                + ReplicaMain.WRITES_TABLE
                + " (id BIGSERIAL PRIMARY KEY, service TEXT NOT NULL, "
                + "replica TEXT NOT NULL, written_at TIMESTAMP WITH TIME ZONE NOT NULL)");
      }
      freezes(peerId, db, dataSource, tries, interval, body, freeze, result);
      if (peerId.equals("loopwork")) {
        commitCost(db.url(), params.integer("costSamples", 2_000), result);
      }
    } finally {
      all.forEach(ReplicaProcess::close);
    }
    return result;
  }

  private void freezes(
      String peerId,
      PostgresBenchDatabase db,
      PGSimpleDataSource dataSource,
      int tries,
      Duration interval,
      Duration body,
      Duration freeze,
      Map<String, Object> result)
      throws Exception {
    List<ReplicaProcess> live = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      live.add(
          ReplicaProcess.start(
              peerId,
              db.url(),
              "r" + (i + 1),
              1,
              interval,
              body,
              true,
              ReplicaProcess.QUICK_START,
              log));
    }
    all.addAll(live);
    ReplicaScenario.awaitUntil(
        () -> live.stream().allMatch(ReplicaProcess::isReady), STARTUP, "every replica ready");
    ReplicaScenario.awaitUntil(
        () -> log.size() >= 4, STARTUP, "four iterations"); // the start's hand-offs are over
    int caughtInFlight = 0;
    int takenOver = 0;
    int staleCommits = 0;
    int overlapped = 0;
    try (Connection c = dataSource.getConnection()) {
      for (int i = 0; i < tries; i++) {
        ReplicaProcess runner = nextRunner(live);
        // Its insert is done and its transaction waits: the session sits idle in the transaction.
        ReplicaScenario.awaitUntil(
            () -> openTransactions(c) > 0, STARTUP, "a transaction in flight");
        Timestamp frozenAt = now(c);
        runner.freeze();
        caughtInFlight += openTransactions(c) > 0 ? 1 : 0;
        long endedBeforeThaw = log.endedBy(runner.replica);
        Thread.sleep(freeze.toMillis()); // the fault itself: the owner stays frozen this long
        Timestamp thawedAt = now(c);
        runner.thaw();
        // Its frozen iteration ends (committed or rolled back) before the rows are counted.
        ReplicaScenario.awaitUntil(
            () -> log.endedBy(runner.replica) > endedBeforeThaw,
            STARTUP,
            "the end of the frozen iteration of " + runner.replica);
        long frozenRows =
            count(
                c,
                "replica = ? AND written_at > ? AND written_at < ?",
                runner.replica,
                new Timestamp(frozenAt.getTime() - body.toMillis()),
                frozenAt);
        long othersWhileFrozen =
            count(
                c,
                "replica <> ? AND written_at > ? AND written_at < ?",
                runner.replica,
                frozenAt,
                thawedAt);
        takenOver += othersWhileFrozen > 0 ? 1 : 0;
        if (frozenRows > 0 && othersWhileFrozen > 0) {
          staleCommits++;
          overlapped += othersWhileFrozen;
        }
      }
    }
    live.forEach(ReplicaProcess::terminate);
    result.put("caughtInFlight", caughtInFlight);
    result.put("takenOverWhileFrozen", takenOver);
    result.put("staleCommits", staleCommits);
    result.put("iterationsOverlappedByStaleCommits", overlapped);
  }

  /** Waits for the next iteration of the service to begin and returns its replica. */
  private ReplicaProcess nextRunner(List<ReplicaProcess> live) throws InterruptedException {
    long since = IterationLog.nowMicros();
    ReplicaProcess[] runner = new ReplicaProcess[1];
    ReplicaScenario.awaitUntil(
        () -> {
          if (log.lastStartBefore(SERVICE, Long.MAX_VALUE).orElse(0L) <= since) {
            return false;
          }
          runner[0] = log.latestLiveRunner(SERVICE, live).orElse(null);
          return runner[0] != null;
        },
        STARTUP,
        "an iteration of the service on a live replica");
    return runner[0];
  }

  private static Timestamp now(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  private static long openTransactions(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read pg_stat_activity", e);
    }
  }

  private static long count(
      Connection c, String condition, String replica, Timestamp from, Timestamp to)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT count(*) FROM "
                + ReplicaMain.WRITES_TABLE
                + " WHERE service = '"
                + SERVICE
                + "' AND "
                + condition)) {
      s.setString(1, replica);
      s.setTimestamp(2, from);
      s.setTimestamp(3, to);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * Times one-row inserts committed through a fenced transaction (inside an iteration that holds
   * its lease) and through a plain one on the same pool, alternately, with {@code SELECT 1} beside
   * them.
   */
  private static void commitCost(String url, int samples, Map<String, Object> result)
      throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    try (HikariDataSource pool = new HikariDataSource(config);
        Database database = Database.of(pool)) {
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE bench_cost (id BIGSERIAL PRIMARY KEY, v INT NOT NULL)");
      }
      double[] fenced = new double[samples];
      double[] plain = new double[samples];
      double[] roundTrip = new double[samples];
      CountDownLatch done = new CountDownLatch(1);
      Exception[] failure = new Exception[1];
      try (JdbcLoopRuntime runtime = JdbcLoopRuntime.builder(database).replicaId("cost").build()) {
        LoopOptions once =
            LoopOptions.builder().loopInterval(Duration.ofHours(1)).handleSignals(false).build();
        runtime.start(
            LoopService.of(
                "commit-cost",
                once,
                () -> {
                  try {
                    if (!database.isFencing()) {
                      throw new IllegalStateException(
                          "the iteration's transactions are not fenced");
                    }
                    for (int i = 0; i < samples; i++) {
                      long t0 = System.nanoTime();
                      database.useTransaction(c -> insert(c));
                      long t1 = System.nanoTime();
                      try (Connection c = pool.getConnection()) {
                        c.setAutoCommit(false);
                        insert(c);
                        c.commit();
                        c.setAutoCommit(true);
                      }
                      long t2 = System.nanoTime();
                      try (Connection c = pool.getConnection();
                          Statement s = c.createStatement()) {
                        s.executeQuery("SELECT 1").close();
                      }
                      long t3 = System.nanoTime();
                      fenced[i] = (t1 - t0) / 1e6;
                      plain[i] = (t2 - t1) / 1e6;
                      roundTrip[i] = (t3 - t2) / 1e6;
                    }
                  } catch (Exception e) {
                    failure[0] = e;
                  } finally {
                    done.countDown();
                  }
                }));
        if (!done.await(5, TimeUnit.MINUTES)) {
          throw new IllegalStateException("the commit-cost iteration did not end within 5 minutes");
        }
      }
      if (failure[0] != null) {
        throw failure[0];
      }
      putCost(result, "fencedCommit", fenced);
      putCost(result, "plainCommit", plain);
      putCost(result, "roundTrip", roundTrip);
    }
  }

  private static void insert(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO bench_cost (v) VALUES (1)")) {
      s.executeUpdate();
    }
  }

  private static void putCost(Map<String, Object> result, String metric, double[] millis) {
    Samples samples = new Samples(millis);
    result.put(metric + "MedianMs", samples.median());
    result.put(metric + "P99Ms", samples.percentile(99));
  }
}
