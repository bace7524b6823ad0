package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The lease contract on a database server: one fresh database for the class, emptied before each
 * test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerLeaseCoordinatorContract extends LeaseCoordinatorContract {
  FreshDatabase fresh;

  /** Makes the class's database; skips the class when the server does not answer. */
  abstract FreshDatabase createFresh();

  @BeforeAll
  void createDatabase() {
    fresh = createFresh();
  }

  @AfterAll
  void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Override
  Database emptyDatabase() throws SQLException {
    Database database = fresh.open();
    LoopworkSchema.create(database);
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM loopwork_lease");
      s.execute("DELETE FROM loopwork_replica");
      s.execute("DELETE FROM loopwork_run");
    }
    return database;
  }

  /**
   * A replica on the application's own HikariCP pool keeps its session lock and its watch on
   * connections of their own, outside that pool: none of the pool's connections stays taken, so a
   * small pool is left whole to the application (and aborting a watch is nothing the pool logs).
   */
  @Test
  void aReplicaOnTheApplicationsPoolKeepsNoneOfItsConnections() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fresh.url());
    config.setUsername(fresh.user());
    config.setMaximumPoolSize(2);
    try (HikariDataSource pool = new HikariDataSource(config);
        Database onPool = Database.of(pool)) {
      JdbcLoopRuntime a = replica("a", onPool);
      a.start(LoopService.of("s", Duration.ofMillis(100), () -> {}));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> sessionLockOf("a") != null && a.heldLeases() == 1);

      await()
          .atMost(Duration.ofSeconds(5))
          .during(Duration.ofMillis(500))
          .until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
      a.close();
    }
  }

  /**
   * The lease of service {@code s} under token 7, owned until far ahead by replica {@code dead},
   * whose recorded session lock nobody holds, with no start recorded.
   */
  private void insertLeaseOfADeadReplica() throws SQLException {
    String far = now() + " + 600000";
    execute(
        "INSERT INTO loopwork_replica (replica_id, host, started_ms, expires_ms, session_lock) VALUES "
            + "('dead', 'h', "
            + now()
            + ", "
            + far
            + ", '12345')");
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'dead', 7, "
            + far
            + ", NULL)");
  }

  private String sessionLockOf(String replica) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT session_lock FROM loopwork_replica WHERE replica_id = '" + replica + "'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /**
   * Issue 12: a lease whose owner's session is gone, with no start recorded (the owner died before
   * its first renewal recorded one), is taken within two polls; the new owner starts one interval
   * after it saw the owner gone, since the owner may have started an iteration just before it died.
   */
  @Test
  void anOrphanedLeaseWithNoRecordedStartRunsOneIntervalAfterItsOwnerWasSeenGone()
      throws SQLException {
    insertLeaseOfADeadReplica();
    long startedAt = System.nanoTime();
    replica("a")
        .start(
            new RunLog.RecordedService("s", Duration.ofSeconds(1), "a", log, Duration.ofMillis(1)));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    RunLog.Run first = log.runs().get(0);
    assertThat(first.fencingToken()).isEqualTo(8);
    assertThat(Duration.ofNanos(first.startNanos() - startedAt))
        .isBetween(Duration.ofMillis(950), Duration.ofMillis(1_000).plus(POLL.multipliedBy(3)));
  }

  /**
   * Issue 12: a lease taken from a dead owner and let go before its first start (a stop, the
   * balance) records the slot it was to start at, one interval after the owner was seen gone, so
   * that the next owner starts there too; with nothing recorded it would start at once, perhaps
   * just after the dead owner's last iteration.
   */
  @Test
  void anOrphanedLeaseLetGoBeforeItsFirstStartRecordsTheSlotItWasToStartAt() throws Exception {
    insertLeaseOfADeadReplica();
    LeaseCoordinator leases =
        LeaseCoordinator.builder(database).replicaId("a").leaseTtl(TTL).pollInterval(POLL).build();
    try {
      LoopCoordinator.Membership membership =
          leases.join(
              LoopService.of("s", Duration.ofSeconds(30), () -> {}),
              Duration.ofSeconds(30),
              () -> {});
      await().atMost(Duration.ofSeconds(5)).until(() -> leases.holdsLease("s"));
      assertThat(membership.permit().isGranted())
          .as("30 s after the owner was seen gone")
          .isFalse();

      membership.leave();
      assertThat(queryLong("SELECT " + now() + " - last_started_ms FROM loopwork_lease"))
          .as("ms since the start recorded: when the owner was seen gone, a few polls ago")
          .isNotNull()
          .isBetween(0L, 5_000L);
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 13: an owner that stalled between its fenced check and its commit keeps its expired
   * lease's row locked. A replica taking the lease skips the locked row instead of waiting on it,
   * ends the stalled session once it has sat idle for {@link LeaseStore#STALE_FENCE_MILLIS}, and
   * takes the lease within the TTL, a poll and a second. (Without the ending, the take-over waits
   * for as long as the stalled process does.) PostgreSQL finds the stalled session through the
   * row's {@code xmax}, MariaDB through a lock wait of a second session.
   */
  @Test
  void aTakeOverEndsTheSessionOfAFencedTransactionStalledBeforeItsCommit() throws SQLException {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'stalled', 5, "
            + now()
            + " - 1, NULL)");
    try (Connection stalled = database.connection();
        Statement s = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      s.executeQuery("SELECT 1 FROM loopwork_lease WHERE service = 's' FOR UPDATE")
          .close(); // its fenced check
      long startedAt = System.nanoTime();
      replica("a")
          .start(
              new RunLog.RecordedService(
                  "s", Duration.ofSeconds(1), "a", log, Duration.ofMillis(1)));

      await().atMost(Duration.ofSeconds(10)).until(() -> log.count() >= 1);
      assertThat(log.runs().get(0).fencingToken()).isEqualTo(6);
      assertThat(Duration.ofNanos(log.runs().get(0).startNanos() - startedAt))
          .isLessThan(TTL.plus(POLL).plusSeconds(1).plusMillis(500));
      assertThatThrownBy(() -> s.execute("SELECT 1")).isInstanceOf(SQLException.class);
    }
  }

  /**
   * Issue 13: a fenced transaction stalled with another replica's lease row locked holds up none of
   * this replica's statements: its renewals scan the leases table (on MariaDB under {@code READ
   * COMMITTED}, so that InnoDB passes over the locked row), and its lease stays its own, one token,
   * for three TTLs.
   */
  @Test
  void aFencedTransactionStalledOnAnotherReplicasLeaseHoldsUpNoRenewal() throws SQLException {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('other', 'b', 3, "
            + now()
            + " + 600000, NULL)");
    try (Connection stalled = database.connection();
        Statement s = stalled.createStatement()) {
      stalled.setAutoCommit(false);
      s.executeQuery("SELECT 1 FROM loopwork_lease WHERE service = 'other' FOR UPDATE").close();
      replica("a")
          .start(
              new RunLog.RecordedService(
                  "s", Duration.ofMillis(100), "a", log, Duration.ofMillis(1)));
      await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);

      long token = log.runs().get(0).fencingToken();
      await()
          .during(TTL.multipliedBy(3))
          .atMost(TTL.multipliedBy(4))
          .until(() -> log.runs().stream().allMatch(run -> run.fencingToken() == token));

      List<RunLog.Run> runs = log.runs();
      assertThat(runs).extracting(RunLog.Run::fencingToken).containsOnly(token);
      assertThat(runs.get(runs.size() - 1).startNanos() - runs.get(0).startNanos())
          .isGreaterThan(TTL.multipliedBy(2).toNanos());
    }
  }

  /**
   * Issue 12: how long ago a lease's last start was is counted to when the statement that reads it
   * ran, not to when its transaction began: a take whose earlier statements are slow (here 300 ms
   * between its lock and its update, as on a busy machine) must not make the last start look as
   * much more recent, which would put the new owner's first start as much after its slot.
   */
  @Test
  void aSlowTakeDoesNotMakeTheLastStartLookMoreRecent() throws SQLException {
    Duration pause = Duration.ofMillis(300);
    LeaseStore store =
        new LeaseStore(Database.of(pausingBeforeEachTake(database.dataSource(), pause)), 30);
    store.ensureLease("s");
    LeaseStore.Lease held = store.acquire("s", "a", 60_000, true).orElseThrow();
    store.release("s", "a", held.fencingToken(), System.nanoTime() - 100_000_000L, 0);

    LeaseStore.Lease taken = store.acquire("s", "b", 60_000, true).orElseThrow();

    // The start was 100 ms before the release, and the take read it 300 ms after it began.
    assertThat(taken.sinceLastStartMillis()).isBetween(100 + pause.toMillis() - 2, 30_000L);
  }

  /**
   * {@code source}, whose connections pause for {@code pause} before they prepare a take's update
   * of a lease (after its lock, in the same transaction).
   */
  private static DataSource pausingBeforeEachTake(DataSource source, Duration pause) {
    return ConnectionCallHooks.beforeConnectionCalls(
        source,
        () ->
            (method, args) -> {
              if (method.getName().equals("prepareStatement")
                  && ((String) args[0]).contains("fencing_token = fencing_token + 1")) {
                Thread.sleep(pause.toMillis());
              }
            });
  }
}
