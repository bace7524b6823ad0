package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a frozen owner never commits after it lost its lease; subclassed per database. Three
 * replica JVMs ({@link ReplicaMain}) run one service that, every 500 ms, inserts {@code (replica,
 * token)} and sleeps 0.3 s in the database in the same transaction. The owner is frozen with
 * SIGSTOP while that transaction is in flight (seen among the server's sessions), kept frozen for
 * the TTL plus 5 s, and thawed with SIGCONT.
 *
 * <p>The test can fail: run with plain transactions ({@code writes = plain}) instead of fenced
 * ones, the same freeze commits the frozen owner's row after the new owner's rows ({@link
 * #aPlainTransactionOfAFrozenOwnerCommitsStale}).
 */
abstract class FreezeContract {
  private static final Duration INTERVAL = Duration.ofMillis(500);
  static final Duration WORK = Duration.ofMillis(300);

  /** Short, so that five freezes fit in a minute; the mechanism does not depend on it. */
  private static final Duration TTL = Duration.ofSeconds(2);

  /**
   * As the issue asks: past the TTL, with time for another replica to take over and commit rows of
   * its own.
   */
  private static final Duration FREEZE = TTL.plusSeconds(5);

  /** Another replica takes the lease within the TTL and a poll, and runs at its next slot. */
  private static final Duration TAKE_OVER =
      TTL.plus(LeaseCoordinator.DEFAULT_POLL_INTERVAL).plus(INTERVAL).plusSeconds(2);

  private static final int TRIALS = 5;

  Database database;
  private final List<ReplicaProcess> started = new ArrayList<>();

  /** A fresh database with Loopwork's tables; its JDBC URL is {@link #url()}. */
  abstract Database createDatabase();

  /** The JDBC URL of the database, for the replicas. */
  abstract String url();

  /** Drops the database. */
  abstract void dropDatabase() throws SQLException;

  /** The table {@code fence_row}: id, replica, token, started, ended. */
  abstract String createTableSql();

  /**
   * How long the sleep of the service's transaction may have lasted when the test freezes its
   * owner: a third of it, so that the freeze lands inside the sleep, before the fenced check, even
   * on a busy machine (frozen after the check, the owner would hold the lease's row lock and be
   * ended by the new owner, another path, tested in {@link ServerLeaseCoordinatorContract}).
   */
  static final Duration JUST_BEGUN = WORK.dividedBy(3);

  /**
   * Whether a session of the server has just begun ({@link #JUST_BEGUN}) the sleep of the service's
   * transaction.
   */
  abstract String sleepingSessionsSql();

  @BeforeEach
  void open() {
    database = createDatabase();
  }

  @AfterEach
  void stopEverything() throws SQLException {
    started.forEach(ReplicaProcess::close);
    database.close();
    dropDatabase();
  }

  @Test
  void aFrozenOwnerNeverCommitsAfterLosingItsLeaseFiveTimesInARow() throws Exception {
    Map<String, ReplicaProcess> replicas = startThree("fenced");
    Map<String, Integer> leaseLostLines = new HashMap<>();
    for (int trial = 1; trial <= TRIALS; trial++) {
      Frozen frozen = freezeOwnerInFlight(replicas);
      long staleBefore = committedRowsUnder(frozen.token);
      thawAfterTakeOver(frozen);

      // Thawed, its transaction's sleep long over, it reaches its check at once, which rolls it
      // back.
      int expected = leaseLostLines.merge(frozen.owner.replicaId, 1, Integer::sum);
      int trialNumber = trial;
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(frozen.owner.linesContaining("lease lost"))
                      .as(
                          "trial %d: output of %s: %s",
                          trialNumber, frozen.owner.replicaId, frozen.owner.output())
                      .isEqualTo(expected));
      assertThat(committedRowsUnder(frozen.token))
          .as(
              "trial %d: rows committed under the frozen owner's token %d after it lost the lease",
              trial, frozen.token)
          .isEqualTo(staleBefore);
      assertThat(frozen.owner.isAlive()).isTrue();
    }
    assertThat(overlaps())
        .as("iterations of different replicas committed with overlapping times")
        .isZero();
    // The old owners go on as non-owners and can take the lease again: rows keep coming.
    long rows = committedRows();
    await().atMost(Duration.ofSeconds(10)).until(() -> committedRows() > rows);
  }

  @Test
  void aPlainTransactionOfAFrozenOwnerCommitsStale() throws Exception {
    Map<String, ReplicaProcess> replicas = startThree("plain");
    Frozen frozen = freezeOwnerInFlight(replicas);
    long staleBefore = committedRowsUnder(frozen.token);
    thawAfterTakeOver(frozen);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> committedRowsUnder(frozen.token) > staleBefore);
  }

  private Map<String, ReplicaProcess> startThree(String writes) throws Exception {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute(createTableSql());
    }
    Map<String, ReplicaProcess> replicas = new LinkedHashMap<>();
    for (String id : new String[] {"f1", "f2", "f3"}) {
      ReplicaProcess replica = ReplicaProcess.start(url(), id, 1, INTERVAL, WORK, TTL, writes);
      started.add(replica);
      replicas.put(id, replica);
    }
    ReplicaClusterTestBase.awaitReady(replicas.values().toArray(ReplicaProcess[]::new));
    await().atMost(Duration.ofSeconds(30)).until(() -> committedRows() >= 2);
    return replicas;
  }

  private record Frozen(ReplicaProcess owner, long token) {}

  /** Waits for the owner's transaction to be in its sleep, then freezes the owner. */
  private Frozen freezeOwnerInFlight(Map<String, ReplicaProcess> replicas) throws Exception {
    AtomicReference<String[]> seen = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              seen.set(inFlight()); // read once: the transaction may end before a second read
              return seen.get() != null;
            });
    String[] owner = seen.get();
    ReplicaProcess process = replicas.get(owner[0]);
    process.freeze();
    return new Frozen(process, Long.parseLong(owner[1]));
  }

  /**
   * Waits until another replica committed a row under a newer token, keeps the owner frozen for
   * {@link #FREEZE} in all, and thaws it.
   */
  private void thawAfterTakeOver(Frozen frozen) throws Exception {
    long frozenAt = System.nanoTime();
    try {
      await().atMost(TAKE_OVER).until(() -> committedRowsAbove(frozen.token) > 0);
      long left = FREEZE.toNanos() - (System.nanoTime() - frozenAt);
      if (left > 0) {
        Thread.sleep(left / 1_000_000); // the fault itself: the owner stays frozen this long
      }
    } finally {
      frozen.owner.thaw();
    }
  }

  /** The replica and token of the service's lease while its transaction sleeps, or null. */
  private String[] inFlight() throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT owner, fencing_token FROM loopwork_lease WHERE service = "
                    + "'svc-00' AND owner IS NOT NULL AND EXISTS ("
                    + sleepingSessionsSql()
                    + ")");
        ResultSet rs = s.executeQuery()) {
      return rs.next() ? new String[] {rs.getString(1), Long.toString(rs.getLong(2))} : null;
    }
  }

  private long committedRows() throws SQLException {
    return count("SELECT COUNT(*) FROM fence_row");
  }

  private long committedRowsUnder(long token) throws SQLException {
    return count("SELECT COUNT(*) FROM fence_row WHERE token = " + token);
  }

  private long committedRowsAbove(long token) throws SQLException {
    return count("SELECT COUNT(*) FROM fence_row WHERE token > " + token);
  }

  private long overlaps() throws SQLException {
    return count(
        "SELECT COUNT(*) FROM fence_row a JOIN fence_row b ON a.id < b.id AND a.replica <> b.replica "
            + "AND a.started < b.ended AND b.started < a.ended");
  }

  private long count(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
