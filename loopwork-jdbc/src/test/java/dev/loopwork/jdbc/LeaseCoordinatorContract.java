package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationPermit;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopStartException;
import dev.loopwork.jdbc.RunLog.RecordedService;
import dev.loopwork.test.ManualClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LeaseCoordinator} on one database, with several runtimes in one JVM
 * standing for replicas; subclassed per database.
 */
abstract class LeaseCoordinatorContract {
  static final Duration TTL = Duration.ofMillis(1500);
  static final Duration POLL = Duration.ofMillis(100);

  Database database;
  RunLog log;
  private final List<JdbcLoopRuntime> runtimes = new ArrayList<>();

  /** A database with Loopwork's tables and none of their rows. */
  abstract Database emptyDatabase() throws SQLException;

  @BeforeEach
  void openDatabase() throws SQLException {
    log = new RunLog();
    runtimes.clear();
    database = emptyDatabase();
  }

  @AfterEach
  void closeAll() {
    runtimes.forEach(JdbcLoopRuntime::close);
    database.close();
  }

  JdbcLoopRuntime replica(String id) {
    return replica(id, database);
  }

  /** A replica on {@code on}, another handle on the test's database (another user, say). */
  JdbcLoopRuntime replica(String id, Database on) {
    JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(on)
            .replicaId(id)
            .leaseTtl(TTL)
            .pollInterval(POLL)
            .journal(false)
            .build();
    runtimes.add(runtime);
    return runtime;
  }

  private RecordedService service(String name, Duration interval, String replica) {
    return new RecordedService(name, interval, replica, log, Duration.ofMillis(1));
  }

  @Test
  void singleReplicaTakesTheLeaseAndRunsUnderItsFencingToken() {
    JdbcLoopRuntime a = replica("a");
    a.start(service("s", Duration.ofMillis(50), "a"));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 3);
    assertThat(log.runs()).allSatisfy(r -> assertThat(r.fencingToken()).isEqualTo(1));
    assertThat(a.heldLeases()).isEqualTo(1);
  }

  @Test
  void serviceThatNeverRanStartsAtOnceNotOneIntervalLater() {
    long startedAt = System.nanoTime();
    replica("a").start(service("s", Duration.ofSeconds(30), "a"));

    await().atMost(Duration.ofSeconds(10)).until(() -> log.count() == 1);
    assertThat(Duration.ofNanos(log.runs().get(0).startNanos() - startedAt))
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void twoReplicasNeverRunOneServiceAtOnceAndShareTheServices() {
    JdbcLoopRuntime a = replica("a");
    JdbcLoopRuntime b = replica("b");
    for (int i = 0; i < 6; i++) {
      a.start(service("s" + i, Duration.ofMillis(10), "a"));
      b.start(service("s" + i, Duration.ofMillis(10), "b"));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.heldLeases() == 3 && b.heldLeases() == 3);
    int before = log.count();
    await().atMost(Duration.ofSeconds(10)).until(() -> log.count() >= before + 300);

    assertThat(log.overlaps()).isEmpty();
    assertThat(log.runs()).extracting(RunLog.Run::replica).contains("a", "b");
  }

  @Test
  void gracefulStopHandsOverWellUnderASecondWithAHigherToken() {
    JdbcLoopRuntime a = replica("a");
    RecordedService onA = service("s", Duration.ofMillis(50), "a");
    a.start(onA);
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 2);
    JdbcLoopRuntime b = replica("b");
    b.start(service("s", Duration.ofMillis(50), "b"));

    onA.stop();
    long stoppedAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> log.runs().stream().anyMatch(r -> r.replica().equals("b")));

    RunLog.Run firstOnB =
        log.runs().stream().filter(r -> r.replica().equals("b")).findFirst().orElseThrow();
    assertThat(Duration.ofNanos(firstOnB.startNanos() - stoppedAt))
        .isLessThan(Duration.ofMillis(900));
    assertThat(firstOnB.fencingToken()).isEqualTo(2);
    assertThat(log.overlaps()).isEmpty();
  }

  /**
   * Issue 12: a released lease is taken by a live replica within a poll even when that puts it
   * above its share. Two replicas hold one of two services each (their share); one stops only its
   * run of one service, so it stays a live replica and the share stays one. The other must take
   * that service at once instead of waiting for a balance that never changes.
   */
  @Test
  void aReleasedLeaseIsTakenAtOnceEvenAboveTheTakersShare() throws SQLException {
    JdbcLoopRuntime a = replica("a");
    JdbcLoopRuntime b = replica("b");
    Map<String, RecordedService> runs = new HashMap<>();
    for (String name : List.of("s0", "s1")) {
      for (String id : List.of("a", "b")) {
        RecordedService run = service(name, Duration.ofMillis(50), id);
        runs.put(name + "@" + id, run);
        (id.equals("a") ? a : b).start(run);
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.heldLeases() == 1 && b.heldLeases() == 1);
    String owner = LeaseOwners.read(database).get("s1").orElseThrow();
    String other = owner.equals("a") ? "b" : "a";

    runs.get("s1@" + owner).stop();
    long stoppedAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                log.runsOf("s1").stream()
                    .anyMatch(r -> r.replica().equals(other) && r.startNanos() > stoppedAt));

    RunLog.Run taken =
        log.runsOf("s1").stream()
            .filter(r -> r.replica().equals(other) && r.startNanos() > stoppedAt)
            .findFirst()
            .orElseThrow();
    assertThat(Duration.ofNanos(taken.startNanos() - stoppedAt))
        .isLessThan(POLL.multipliedBy(3).plusMillis(200));
    assertThat(log.overlaps()).isEmpty();
  }

  @Test
  void newOwnerContinuesOneIntervalAfterTheLastRecordedStart() throws SQLException {
    leaseOfAGoneOwner(400);
    long startedAt = System.nanoTime();
    replica("a").start(service("s", Duration.ofMillis(1_000), "a"));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    RunLog.Run first = log.runs().get(0);
    assertThat(Duration.ofNanos(first.startNanos() - startedAt))
        .isGreaterThan(Duration.ofMillis(500));
    assertThat(first.fencingToken()).isEqualTo(8);
  }

  /**
   * Issue 12: a service whose lease comes here starts at its slot, not at its next ask (up to a
   * poll later, off its schedule). With a 1 s poll the service, deferred at its start before the
   * first renewal, would ask again 1 s later; the lease's slot is 600 ms after the start.
   */
  @Test
  void aNewOwnerStartsAtTheSlotOfTheRecordedScheduleNotAtItsNextAsk() throws SQLException {
    JdbcLoopRuntime slowPoll =
        JdbcLoopRuntime.builder(database)
            .replicaId("a")
            .leaseTtl(Duration.ofSeconds(3))
            .pollInterval(Duration.ofSeconds(1))
            .journal(false)
            .build();
    runtimes.add(slowPoll);
    long insertedAt = System.nanoTime();
    leaseOfAGoneOwner(400);
    slowPoll.start(service("s", Duration.ofMillis(1_000), "a"));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    long slot = insertedAt + Duration.ofMillis(600).toNanos();
    assertThat(Duration.ofNanos(log.runs().get(0).startNanos() - slot).abs())
        .isLessThan(Duration.ofMillis(150));
  }

  /**
   * A poll as long as the builder allows (a third of the TTL) comes once per renewal period: the
   * lease must never lapse between renewals, and a service that asks just before a round must still
   * find the replica in touch with the database, and run at every slot.
   */
  @Test
  void aPollOfAThirdOfTheTtlStillRunsEverySlot() {
    JdbcLoopRuntime slowPoll =
        JdbcLoopRuntime.builder(database)
            .replicaId("a")
            .leaseTtl(Duration.ofSeconds(3))
            .pollInterval(Duration.ofSeconds(1))
            .journal(false)
            .build();
    runtimes.add(slowPoll);
    slowPoll.start(service("s", Duration.ofMillis(1_000), "a"));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    int first = log.count();
    await().atMost(Duration.ofSeconds(10)).until(() -> log.count() >= first + 5);
    List<RunLog.Run> runs = log.runs();
    for (int i = runs.size() - 5; i < runs.size(); i++) {
      assertThat(Duration.ofNanos(runs.get(i).startNanos() - runs.get(i - 1).startNanos()))
          .isBetween(Duration.ofMillis(900), Duration.ofMillis(1_100));
    }
    assertThat(runs)
        .extracting(RunLog.Run::fencingToken)
        .as("the lease never lapsed")
        .containsOnly(1L);
  }

  /**
   * Issue 12: the first start under a newly taken lease is recorded at once, not at the next
   * renewal (a third of the TTL later): taken after its slot, the lease starts a schedule of its
   * own, which a replica taking over after a crash must know.
   */
  @Test
  void theFirstStartUnderATakenLeaseIsRecordedAtOnce() throws SQLException {
    leaseOfAGoneOwner(5000);
    startAndAwaitTheFirstStartRecorded();
  }

  /**
   * Issue 12: a lease that no replica ever ran has no recorded start; its first start is recorded
   * within a round, not at the next renewal (a third of the TTL later): a replica taking over after
   * a crash of the owner before then would otherwise wait one interval after the owner was seen
   * gone, skipping the slot the owner did not reach.
   */
  @Test
  void theFirstStartOfALeaseNeverRunIsRecordedAtOnce() throws SQLException {
    startAndAwaitTheFirstStartRecorded();
  }

  /**
   * Starts a 1 s service {@code s} on a replica whose leases last 30 s (renewed every 10 s) and
   * waits 2 s at most for its lease row to record its first start.
   */
  private void startAndAwaitTheFirstStartRecorded() {
    JdbcLoopRuntime a =
        JdbcLoopRuntime.builder(database)
            .replicaId("a")
            .leaseTtl(Duration.ofSeconds(30))
            .pollInterval(POLL)
            .journal(false)
            .build();
    runtimes.add(a);
    a.start(service("s", Duration.ofSeconds(1), "a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);

    String since =
        "SELECT "
            + now()
            + " - last_started_ms FROM loopwork_lease WHERE service = 's' AND owner = 'a'";
    await()
        .atMost(Duration.ofSeconds(2))
        .until(
            () -> {
              long sinceHere = (System.nanoTime() - log.runs().get(0).startNanos()) / 1_000_000;
              Long sinceInDatabase = queryLong(since);
              return sinceInDatabase != null && Math.abs(sinceInDatabase - sinceHere) < 300;
            });
  }

  /**
   * Issue 12: a lease taken after its slot lets its service start at once, off the recorded
   * schedule; that start is recorded before it is made (the first ask is deferred until then), so
   * that a replica taking over after a crash of this one knows the new schedule.
   */
  @Test
  void aStartOffTheRecordedScheduleIsRecordedBeforeItIsMade() throws Exception {
    leaseOfAGoneOwner(5000);
    LeaseCoordinator leases =
        LeaseCoordinator.builder(database).replicaId("a").leaseTtl(TTL).pollInterval(POLL).build();
    try {
      java.util.concurrent.atomic.AtomicInteger asks =
          new java.util.concurrent.atomic.AtomicInteger();
      LoopCoordinator.Membership membership =
          leases.join(
              LoopService.of("s", Duration.ofSeconds(1), () -> {}),
              Duration.ofSeconds(1),
              asks::incrementAndGet);
      String since =
          "SELECT "
              + now()
              + " - last_started_ms FROM loopwork_lease WHERE service = 's' AND owner = 'a'";
      await().atMost(Duration.ofSeconds(2)).until(() -> asks.get() > 0); // the hold began: ask
      int asked = asks.get();
      assertThat(membership.permit().isGranted())
          .as("the first start waits for its record")
          .isFalse();

      await().atMost(Duration.ofSeconds(2)).until(() -> asks.get() > asked); // recorded: ask again
      assertThat(queryLong(since)).isLessThan(2_000);
      IterationPermit permit = membership.permit();
      assertThat(permit.isGranted()).isTrue();
      membership.iterationEnded(permit);
    } finally {
      leases.close();
    }
  }

  /**
   * Issues 12 and 13: once its schedule moved (here by an overrun: the next start comes at the end
   * of a 1.3 s iteration of a 1 s service), a start is recorded before it is made, so that a
   * replica taking over after a crash of this one keeps the new schedule; an extra start ({@code
   * runNow}) leaves the schedule as it is and is made at once, and so is a start one interval after
   * a recorded one. The lease timing reads the manual clock (a TTL long enough that the database's
   * own clock never ends the lease meanwhile).
   */
  @Test
  void aStartAfterTheScheduleMovedIsRecordedBeforeItIsMade() throws Exception {
    ManualClock clock = new ManualClock();
    LeaseCoordinator leases = onManualClock("a", clock);
    try {
      LoopCoordinator.Membership membership = joinOneSecondService(leases);
      membership.iterationEnded(awaitGranted(membership));
      clock.advance(Duration.ofMillis(300));
      IterationPermit extra = membership.permit();
      assertThat(extra.isGranted())
          .as("an extra start 300 ms off the schedule, which did not move")
          .isTrue();
      clock.advance(Duration.ofMillis(1_300));
      membership.iterationEnded(extra); // an overrun: the schedule goes on from here
      assertThat(lastStartedMs()).as("no start recorded yet").isNull();

      assertThat(membership.permit().isGranted())
          .as("a start after the overrun waits for its record")
          .isFalse();
      IterationPermit moved =
          await()
              .atMost(Duration.ofSeconds(2))
              .pollInterval(Duration.ofMillis(5))
              .until(membership::permit, IterationPermit::isGranted);
      assertThat(lastStartedMs()).as("recorded before it was made").isNotNull();
      membership.iterationEnded(moved);

      clock.advance(Duration.ofMillis(1_010));
      IterationPermit next = membership.permit();
      assertThat(next.isGranted())
          .as("a start one interval later is on the recorded schedule")
          .isTrue();
      membership.iterationEnded(next);
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 13: a new owner's first start comes one interval after the last recorded start, timed on
   * the engine's clock: deferred until then, granted the moment the clock gets there.
   */
  @Test
  void aNewOwnersFirstStartIsTimedOnTheEnginesClock() throws Exception {
    leaseOfAGoneOwner(400);
    ManualClock clock = new ManualClock();
    LeaseCoordinator leases = onManualClock("a", clock);
    try {
      LoopCoordinator.Membership membership = joinAndAwaitTheHold(leases);

      IterationPermit early = membership.permit();
      assertThat(early.isGranted()).isFalse();
      // The slot is 600 ms after the hold began, less the real time between the insert and the
      // take, which the database's clock counted.
      assertThat(early.deferral()).isBetween(Duration.ofMillis(100), Duration.ofMillis(600));
      clock.advance(early.deferral().minusMillis(1));
      assertThat(membership.permit().isGranted()).as("1 ms before the slot").isFalse();
      clock.advance(Duration.ofMillis(1));
      IterationPermit atSlot = membership.permit();
      assertThat(atSlot.isGranted()).as("at the slot").isTrue();
      assertThat(atSlot.fencingToken()).isEqualTo(8);
      membership.iterationEnded(atSlot);
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 15: an iteration asked for now (an operator's run-once) on a new owner does not wait for
   * the slot that its scheduled starts wait for, so that the request runs on the lease holder at
   * once even when the lease came there moments ago (by a hand-over for the balance, say); like
   * every start off the recorded schedule, it is recorded before it is made. The manual clock never
   * moves.
   */
  @Test
  void aRequestedIterationOfANewOwnerDoesNotWaitForTheSlot() throws Exception {
    leaseOfAGoneOwner(400);
    ManualClock clock = new ManualClock();
    LeaseCoordinator leases = onManualClock("a", clock);
    try {
      LoopCoordinator.Membership membership = joinAndAwaitTheHold(leases);
      assertThat(membership.permit().isGranted())
          .as("a scheduled start, before the slot")
          .isFalse();

      IterationPermit requested = awaitGranted(membership::permitRequested);

      assertThat(requested.fencingToken()).isEqualTo(8);
      assertThat(lastStartedMs()).as("recorded before it was made").isGreaterThan(0L);
      membership.iterationEnded(requested);
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 12: a new owner woken 30 ms after its slot (a busy machine) starts at once, as a late
   * wake-up on the recorded schedule, instead of first recording its start in a round trip of its
   * own.
   */
  @Test
  void aNewOwnersFirstStartALittleLateIsMadeAtOnce() throws Exception {
    leaseOfAGoneOwner(400);
    ManualClock clock = new ManualClock();
    LeaseCoordinator leases = onManualClock("a", clock);
    try {
      LoopCoordinator.Membership membership = joinAndAwaitTheHold(leases);
      clock.advance(membership.permit().deferral().plusMillis(30));

      IterationPermit late = membership.permit();
      assertThat(late.isGranted()).as("30 ms after the slot").isTrue();
      membership.iterationEnded(late);
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 12: a replica that holds a lease again and lets it go before starting under this hold
   * leaves the row's last start as the replicas in between recorded it; its own start of an earlier
   * hold, older, would have the next owner start at once, off the schedule and early.
   */
  @Test
  void aReleaseBeforeTheFirstStartOfAHoldKeepsTheLaterRecordedStart() throws Exception {
    ManualClock clock = new ManualClock();
    LeaseCoordinator leases = onManualClock("a", clock);
    try {
      LoopCoordinator.Membership membership = joinOneSecondService(leases);
      membership.iterationEnded(awaitGranted(membership));
      // Replica b takes the lease and starts; a sees it at its next renewal.
      execute(
          "UPDATE loopwork_lease SET owner = 'b', fencing_token = fencing_token + 1, expires_ms = "
              + now()
              + " + 600000, last_started_ms = "
              + now()
              + " - 100");
      clock.advance(Duration.ofSeconds(20));
      advanceUntil(clock, () -> !leases.holdsLease("s"));
      execute("UPDATE loopwork_lease SET owner = NULL, expires_ms = " + now() + " - 1");
      advanceUntil(clock, () -> leases.holdsLease("s"));

      membership.leave();
      assertThat(queryLong("SELECT " + now() + " - last_started_ms FROM loopwork_lease"))
          .as("ms since the start the row records: b's, not a's of 20 s before")
          .isLessThan(5_000);
    } finally {
      leases.close();
    }
  }

  private static final Instant FIRE = Instant.parse("2026-01-01T03:00:00Z");

  /**
   * Issue 16: a calendar fire is granted only once the row records it (a new owner then goes on
   * after it), and never twice; a fire at or before the recorded one is denied.
   */
  @Test
  void aCalendarFireIsGrantedOnlyOnceTheRowRecordsItAndNeverTwice() throws Exception {
    LeaseCoordinator leases = onManualClock("a", new ManualClock());
    try {
      LoopCoordinator.Membership membership = joinAndAwaitTheHold(leases);
      assertThat(membership.takeLastRecordedFire()).as("nothing recorded yet").isEmpty();

      IterationPermit first = membership.permit(FIRE);
      assertThat(first.isGranted()).as("deferred while the fire is recorded").isFalse();
      assertThat(first.deferral()).isPositive();
      IterationPermit granted = awaitFireGranted(membership, FIRE);
      assertThat(lastFireMs()).isEqualTo(FIRE.toEpochMilli());
      assertThat(granted.fencingToken()).isEqualTo(1);
      membership.iterationEnded(granted);

      assertDenied(membership.permit(FIRE));
      assertDenied(membership.permit(FIRE.minusSeconds(2)));
      assertThat(awaitFireGranted(membership, FIRE.plusSeconds(2)).isGranted()).isTrue();
    } finally {
      leases.close();
    }
  }

  /**
   * Issue 16: the recorded fire stays in the row when its owner releases the lease; the next owner
   * is told it once, goes on after it, and never runs it again.
   */
  @Test
  void theRecordedFireSurvivesAReleaseAndTheNextOwnerIsToldItOnce() throws Exception {
    LeaseCoordinator a = onManualClock("a", new ManualClock());
    LeaseCoordinator b = onManualClock("b", new ManualClock());
    try {
      LoopCoordinator.Membership onA = joinAndAwaitTheHold(a);
      onA.iterationEnded(awaitFireGranted(onA, FIRE));
      onA.leave();
      assertThat(queryLong("SELECT COUNT(*) FROM loopwork_lease WHERE owner IS NULL")).isOne();
      assertThat(lastFireMs()).isEqualTo(FIRE.toEpochMilli());

      LoopCoordinator.Membership onB = joinAndAwaitTheHold(b);
      assertThat(onB.permit(FIRE.plusSeconds(2)).isGranted())
          .as("no fire before the service has taken where the schedule goes on")
          .isFalse();
      assertThat(onB.takeLastRecordedFire()).contains(FIRE);
      assertThat(onB.takeLastRecordedFire()).isEmpty();
      assertDenied(onB.permit(FIRE));
      IterationPermit next = awaitFireGranted(onB, FIRE.plusSeconds(2));
      assertThat(next.fencingToken()).isEqualTo(2);
    } finally {
      a.close();
      b.close();
    }
  }

  /**
   * Issue 16: the fire recorded by a replica that died (it renews nothing more: its clock stands
   * still, and its lease expires) is what the next owner goes on after.
   */
  @Test
  void theRecordedFireSurvivesACrashOfItsOwner() throws Exception {
    LeaseCoordinator a = onManualClock("a", new ManualClock());
    LeaseCoordinator b = onManualClock("b", new ManualClock());
    try {
      LoopCoordinator.Membership onA = joinAndAwaitTheHold(a);
      onA.iterationEnded(awaitFireGranted(onA, FIRE));
      execute("UPDATE loopwork_lease SET expires_ms = " + now() + " - 1");

      LoopCoordinator.Membership onB = joinAndAwaitTheHold(b);
      assertThat(onB.takeLastRecordedFire()).contains(FIRE);
      assertDenied(onB.permit(FIRE));
      assertThat(awaitFireGranted(onB, FIRE.plusSeconds(2)).fencingToken()).isEqualTo(2);
    } finally {
      a.close();
      b.close();
    }
  }

  /** Issue 16: only the holder records a fire, under its token, unexpired, and only forward. */
  @Test
  void aFireIsRecordedOnlyByTheHolderUnderItsTokenAndOnlyForward() throws SQLException {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms)"
            + " VALUES ('s', 'a', 7, "
            + now()
            + " + 600000, NULL)");
    LeaseStore store = new LeaseStore(database, 5);
    assertThat(store.recordFire("s", "b", 7, 1_000)).as("another replica").isFalse();
    assertThat(store.recordFire("s", "a", 6, 1_000)).as("an older token").isFalse();
    assertThat(store.recordFire("s", "a", 7, 1_000)).isTrue();
    assertThat(store.recordFire("s", "a", 7, 1_000)).as("the same fire").isFalse();
    assertThat(store.recordFire("s", "a", 7, 999)).as("an earlier fire").isFalse();
    execute("UPDATE loopwork_lease SET expires_ms = " + now() + " - 1");
    assertThat(store.recordFire("s", "a", 7, 2_000)).as("an expired lease").isFalse();
    assertThat(lastFireMs()).isEqualTo(1_000);
  }

  private static IterationPermit awaitFireGranted(
      LoopCoordinator.Membership membership, Instant fire) {
    return await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> membership.permit(fire), IterationPermit::isGranted);
  }

  private static void assertDenied(IterationPermit permit) {
    assertThat(permit.isGranted()).isFalse();
    assertThat(permit.deferral()).as("denied, not deferred: %s", permit).isZero();
  }

  private Long lastFireMs() throws SQLException {
    return queryLong("SELECT last_fire_ms FROM loopwork_lease WHERE service = 's'");
  }

  /**
   * Moves the clock a poll at a time until {@code condition} holds: the coordinator's rounds run on
   * a thread of their own, and arm the next one on the clock after they end.
   */
  private static void advanceUntil(ManualClock clock, Callable<Boolean> condition) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              clock.advance(POLL);
              return condition.call();
            });
  }

  /**
   * Joins a 1 s service {@code s} and returns once its lease is held here and compared with the
   * database (the coordinator then asks the service to ask for its permit).
   */
  static LoopCoordinator.Membership joinAndAwaitTheHold(LeaseCoordinator leases) {
    AtomicInteger asks = new AtomicInteger();
    LoopCoordinator.Membership membership =
        leases.join(
            LoopService.of("s", Duration.ofSeconds(1), () -> {}),
            Duration.ofSeconds(1),
            asks::incrementAndGet);
    await().atMost(Duration.ofSeconds(5)).until(() -> asks.get() > 0);
    return membership;
  }

  private static LoopCoordinator.Membership joinOneSecondService(LeaseCoordinator leases) {
    return leases.join(
        LoopService.of("s", Duration.ofSeconds(1), () -> {}), Duration.ofSeconds(1), () -> {});
  }

  private static IterationPermit awaitGranted(LoopCoordinator.Membership membership) {
    return awaitGranted(membership::permit);
  }

  /** Asks {@code ask} until it grants, at most 5 s. */
  private static IterationPermit awaitGranted(Callable<IterationPermit> ask) {
    return await().atMost(Duration.ofSeconds(5)).until(ask, IterationPermit::isGranted);
  }

  /** A coordinator on the manual clock whose leases outlive any test in the database's clock. */
  private LeaseCoordinator onManualClock(String replica, ManualClock clock) {
    return onManualClock(database, replica, clock);
  }

  /** As {@link #onManualClock(String, ManualClock)}, on {@code database}. */
  static LeaseCoordinator onManualClock(Database database, String replica, ManualClock clock) {
    return LeaseCoordinator.builder(database)
        .replicaId(replica)
        .leaseTtl(Duration.ofMinutes(1))
        .pollInterval(POLL)
        .clock(clock)
        .build();
  }

  /**
   * The lease of service {@code s}, expired, of replica {@code gone} under fencing token 7, whose
   * last recorded start was {@code startedMillisAgo} ago by the database's clock.
   */
  private void leaseOfAGoneOwner(long startedMillisAgo) throws SQLException {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'gone', 7, 0, "
            + now()
            + " - "
            + startedMillisAgo
            + ")");
  }

  private Long lastStartedMs() throws SQLException {
    return queryLong("SELECT last_started_ms FROM loopwork_lease WHERE service = 's'");
  }

  @Test
  void renewalsRecordTheLatestStartWhileTheLeaseIsHeld() throws SQLException {
    replica("a").start(service("s", Duration.ofSeconds(30), "a"));
    await().atMost(Duration.ofSeconds(10)).until(() -> log.count() == 1);

    String since =
        "SELECT "
            + now()
            + " - last_started_ms FROM loopwork_lease WHERE service = 's' AND owner = 'a'";
    await().atMost(Duration.ofSeconds(5)).until(() -> queryLong(since) != null);
    long sinceInDatabase = queryLong(since);
    long sinceHere = (System.nanoTime() - log.runs().get(0).startNanos()) / 1_000_000;
    assertThat(sinceInDatabase).isBetween(sinceHere - 300, sinceHere + 300);
  }

  Long queryLong(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        return null;
      }
      long value = rs.getLong(1);
      return rs.wasNull() ? null : value;
    }
  }

  @Test
  void leaseOfADeadReplicaIsTakenOnlyAfterItExpires() throws SQLException {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'dead', 3, "
            + now()
            + " + 1200, NULL)");
    long startedAt = System.nanoTime();
    replica("a").start(service("s", Duration.ofMillis(50), "a"));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);
    assertThat(Duration.ofNanos(log.runs().get(0).startNanos() - startedAt))
        .isGreaterThan(Duration.ofMillis(1_100));
    assertThat(log.runs().get(0).fencingToken()).isEqualTo(4);
  }

  @Test
  void serviceNamesTooLongForTheLeasesTableAreRefusedAtStart() {
    RecordedService longName = service("n".repeat(201), Duration.ofMillis(50), "a");
    LoopHandle handle = replica("a").start(longName);

    assertThatThrownBy(handle::await)
        .isInstanceOf(LoopStartException.class)
        .hasRootCauseMessage(
            "service name must be at most 200 characters to be coordinated: \""
                + "n".repeat(201)
                + "\"");
  }

  @Test
  void closingTheRuntimeStopsItsServicesAndReleasesTheirLeases() throws SQLException {
    JdbcLoopRuntime a = replica("a");
    RecordedService s = service("s", Duration.ofMillis(50), "a");
    a.start(s);
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 1);

    a.close();
    assertThat(s.isRunning()).isFalse();
    try (Connection c = database.connection();
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT COUNT(*) FROM loopwork_lease WHERE owner IS NOT NULL")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  /**
   * Issue 17: closing a runtime whose service is still in an iteration after the close timeout
   * leaves that lease with the replica (neither released nor its session ended, so no other replica
   * runs the service meanwhile) until the iteration ends; then the lease is released and taken.
   */
  @Test
  void aLeaseIsNotReleasedWhileItsIterationStillRunsAfterClosing() throws Exception {
    CountDownLatch inIteration = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    JdbcLoopRuntime a =
        JdbcLoopRuntime.builder(database)
            .replicaId("a")
            // Long enough that the unrenewed lease cannot expire within the window checked below
            // on a loaded machine (it would then be taken over rightly).
            .leaseTtl(Duration.ofSeconds(6))
            .pollInterval(POLL)
            .journal(false)
            .closeTimeout(Duration.ofMillis(100))
            .build();
    runtimes.add(a);
    a.start(
        LoopService.of(
            "slow",
            Duration.ofMillis(50),
            () -> {
              inIteration.countDown();
              awaitUninterruptibly(finish);
            }));
    assertThat(inIteration.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicInteger runsOfB = new AtomicInteger();
    replica("b").start(LoopService.of("slow", Duration.ofMillis(50), runsOfB::incrementAndGet));

    try {
      a.close();
      await()
          .during(Duration.ofMillis(800)) // well within the lease's last renewal plus its TTL
          .atMost(Duration.ofSeconds(3))
          .until(() -> runsOfB.get() == 0 && "a".equals(ownerOf("slow")));
    } finally {
      finish.countDown();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> runsOfB.get() > 0);
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private String ownerOf(String service) throws SQLException {
    List<String> owners =
        strings("SELECT owner FROM loopwork_lease WHERE service = '" + service + "'");
    return owners.isEmpty() ? null : owners.get(0);
  }

  @Test
  void ownerChangedByHandStopsTheReplicaFromRunning() throws SQLException {
    JdbcLoopRuntime a = replica("a");
    a.start(service("s", Duration.ofMillis(20), "a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 2);

    execute("UPDATE loopwork_lease SET owner = 'intruder', expires_ms = " + now() + " + 60000");
    await().atMost(Duration.ofSeconds(5)).until(() -> a.heldLeases() == 0);
    int after = log.count();
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(() -> log.count() <= after + 1);
  }

  @Test
  void deletedLeaseRowsAreRecreatedAndRunningGoesOn() throws SQLException {
    JdbcLoopRuntime a = replica("a");
    JdbcLoopRuntime b = replica("b");
    a.start(service("s", Duration.ofMillis(10), "a"));
    b.start(service("s", Duration.ofMillis(10), "b"));
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 5);

    execute("DELETE FROM loopwork_lease");
    int after = log.count();
    await().atMost(Duration.ofSeconds(10)).until(() -> log.count() >= after + 50);
    assertThat(log.overlaps()).isEmpty();
  }

  @Test
  void brokenLeaseTableStopsIterationsUntilItIsRepaired() throws SQLException {
    JdbcLoopRuntime a = replica("a");
    a.start(service("s", Duration.ofMillis(20), "a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= 2);

    execute("ALTER TABLE loopwork_lease RENAME COLUMN expires_ms TO expires_at");
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.isDatabaseReachable());
    int broken = log.count();
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> log.count() <= broken + 1);

    execute("ALTER TABLE loopwork_lease RENAME COLUMN expires_at TO expires_ms");
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count() >= broken + 5);
    assertThat(a.isDatabaseReachable()).isTrue();
  }

  /**
   * Issue 13: a fenced transaction commits while its replica holds the lease under the iteration's
   * token; once another replica took the lease (here written straight into the table while the
   * third transaction runs), the transaction is rolled back, the iteration ends as LEASE_LOST, and
   * the replica goes on without the lease until it can take it again, under a higher token.
   */
  @Test
  void aFencedTransactionCommitsUnderTheLeaseAndRollsBackOnceTheLeaseIsTaken() throws SQLException {
    execute(
        "CREATE TABLE IF NOT EXISTS fenced_row (token BIGINT NOT NULL, iteration INT NOT NULL)");
    execute("DELETE FROM fenced_row");
    List<IterationOutcome> outcomes = new CopyOnWriteArrayList<>();
    JdbcLoopService service =
        new JdbcLoopService(Duration.ofMillis(100)) {
          private int iteration;

          @Override
          public String name() {
            return "fenced";
          }

          @Override
          protected void runOnce() throws SQLException {
            int number = ++iteration;
            long token = fencingToken().orElseThrow();
            database()
                .useTransaction(
                    c -> {
                      try (PreparedStatement insert =
                          c.prepareStatement("INSERT INTO fenced_row VALUES (?, ?)")) {
                        insert.setLong(1, token);
                        insert.setInt(2, number);
                        insert.executeUpdate();
                      }
                      if (number == 3) {
                        // Another replica takes the lease (for two TTLs) while this transaction
                        // runs.
                        execute(
                            "UPDATE loopwork_lease SET owner = 'z', fencing_token = fencing_token + 1, expires_ms = "
                                + now()
                                + " + "
                                + TTL.multipliedBy(2).toMillis()
                                + " WHERE service = 'fenced'");
                      }
                    });
          }
        };
    service.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            outcomes.add(result.outcome());
          }
        });
    replica("a").start(service);

    await().atMost(Duration.ofSeconds(20)).until(() -> outcomes.size() >= 4);
    assertThat(List.copyOf(outcomes).subList(0, 3))
        .containsExactly(
            IterationOutcome.SUCCEEDED, IterationOutcome.SUCCEEDED, IterationOutcome.LEASE_LOST);
    assertThat(
            strings(
                "SELECT CONCAT(token, ':', iteration) FROM fenced_row WHERE iteration <= 3 ORDER BY iteration"))
        .containsExactly("1:1", "1:2");
    // Back once z's lease expired, under the token after z's.
    assertThat(strings("SELECT DISTINCT token FROM fenced_row WHERE iteration > 3"))
        .containsExactly("3");
  }

  /**
   * Issue 13: a fenced transaction that fails because its connection died (here a 57P01 as
   * PostgreSQL sends when it terminates the session) is a database outage, not an error of the
   * service: the iteration is interrupted like on the loss of the replica's session (LEASE_LOST,
   * logged at INFO after the outage's one WARN), its result keeps the database's own error, and the
   * loop goes on under the same lease.
   */
  @Test
  void aFencedTransactionWhoseConnectionDiesIsAnOutageAndNotAnErrorOfTheService() {
    List<IterationResult> results = new CopyOnWriteArrayList<>();
    JdbcLoopService service =
        new JdbcLoopService(Duration.ofMillis(50)) {
          private int iteration;

          @Override
          public String name() {
            return "terminated";
          }

          @Override
          protected void runOnce() throws SQLException {
            boolean terminate = ++iteration == 2;
            database()
                .useTransaction(
                    c -> {
                      if (terminate) {
                        throw new SQLException(
                            "FATAL: terminating connection due to administrator command", "57P01");
                      }
                    });
          }
        };
    service.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            results.add(result);
          }
        });
    replica("a").start(service);

    await().atMost(Duration.ofSeconds(10)).until(() -> results.size() >= 4);
    List<IterationResult> first =
        List.copyOf(results).subList(0, 4); // the loop goes on adding meanwhile
    assertThat(first)
        .extracting(IterationResult::outcome)
        .containsExactly(
            IterationOutcome.SUCCEEDED,
            IterationOutcome.LEASE_LOST,
            IterationOutcome.SUCCEEDED,
            IterationOutcome.SUCCEEDED);
    assertThat(first.get(1).failure())
        .get()
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("57P01");
    assertThat(first)
        .extracting(r -> r.fencingToken().orElseThrow())
        .containsOnly(first.get(0).fencingToken().orElseThrow());
  }

  private List<String> strings(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  String now() {
    return database.dialect().nowMillis();
  }

  void execute(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
