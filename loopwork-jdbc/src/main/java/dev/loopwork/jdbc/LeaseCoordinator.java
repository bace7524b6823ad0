package dev.loopwork.jdbc;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopClock;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import dev.loopwork.internal.DaemonThreads;
import dev.loopwork.internal.DurationFormat;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each service on exactly one of the replicas that share a database, with leases kept in the
 * table {@value LoopworkSchema#PREFIX}lease and timed by the database's clock.
 *
 * <ul>
 *   <li><b>Exactly one owner.</b> An iteration starts only under a lease this replica holds for at
 *       least another fifth of the time-to-live, by the database's clock; the {@linkplain
 *       LoopService#fencingToken() fencing token} grows with every change of owner.
 *   <li><b>Load.</b> A background thread renews all of this replica's leases in one statement every
 *       third of the time-to-live, and looks for free leases every poll interval with two small
 *       queries: the load does not grow with the number of services. Permits are answered from
 *       memory.
 *   <li><b>Hand-over.</b> A service that stops releases its lease at once, recording its last
 *       start, and the release is announced (PostgreSQL {@code NOTIFY}; elsewhere the next poll
 *       finds it); a replica's last release and its leaving the replicas table are one transaction.
 *       A released or expired lease is taken by the first replica that sees it, whatever its share,
 *       and the new owner runs the service one interval after the recorded start, so the schedule
 *       goes on. A replica that dies loses its leases when they expire.
 *   <li><b>Calendar services.</b> A fire is recorded in the lease row before it is granted ({@link
 *       Membership#permit(java.time.Instant)}), and one at or before the recorded fire is denied; a
 *       new owner is told the recorded fire once ({@link Membership#takeLastRecordedFire()}) and
 *       the engine goes on after it, so a hand-over or fail-over neither runs a fire twice nor
 *       drops one (a missed fire runs once within the service's misfire grace).
 *   <li><b>Balance.</b> With N live replicas and M services, a replica's share is ceil(M/N) leases.
 *       After a full renewal it gives up leases above its share (never during an iteration),
 *       reserved for two polls for replicas below their share, which take free leases first.
 *   <li><b>Faults.</b> While the database does not answer, no iteration starts: within a third of
 *       the time-to-live of the last answer, at once after a failed statement. One WARN per outage.
 * </ul>
 *
 * <p>An iteration that is already running when its lease is lost (the database unreachable for
 * longer than the time-to-live, a long pause of the process) is not interrupted: write in
 * {@linkplain Database#useTransaction fenced transactions}, which commit only while the lease is
 * still this replica's under the iteration's token. After a {@code kill -9}, the next owner knows
 * the starts recorded up to the last renewal, so it may run up to one renewal period early.
 *
 * <p>Every replica must run the same set of services, with unique names. Thread-safe. {@link
 * #close()} releases every lease and the replica's row.
 */
public final class LeaseCoordinator implements LoopCoordinator, AutoCloseable {
  /** The lease time-to-live by default: 10 seconds. */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

  /** How often a replica looks for free leases by default: every 200 ms. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(200);

  /** The longest service name the leases table holds. */
  public static final int MAX_SERVICE_NAME = 200;

  private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

  /** How long the session thread blocks on its connection at a time, so that it notices a close. */
  private static final int SESSION_WAIT_MILLIS = 1_000;

  /**
   * How far a start may be from the schedule the database knows and still count as on it (timer
   * leeway and a busy machine; a service's jitter adds to it); a start further off is recorded
   * before it is made.
   */
  private static final long ON_SCHEDULE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * How late a start may come after its slot and still count as a late wake-up on the recorded
   * schedule (the first start under a new hold included: a hand-over that a busy machine wakes a
   * few milliseconds late starts at once instead of recording its start first) (a busy machine, a
   * pause of the collector) rather than a schedule moved (by a deferral or an overrun): such a
   * start is not recorded first, and a replica taking over after a crash may start up to this much
   * less than an interval after it.
   */
  private static final long LATE_WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /**
   * How soon a calendar service whose fire is being recorded asks again, should the record end
   * before the service waits (its {@code askAgain} then finds no wait to end); usually the record's
   * {@code askAgain} comes first.
   */
  private static final Duration RECORD_WAIT = Duration.ofMillis(10);

  /**
   * How soon a calendar service that asked for a fire before taking the last recorded fire of a new
   * hold (it began between its two questions) asks again.
   */
  private static final Duration TAKE_LAST_FIRE_FIRST = Duration.ofMillis(1);

  /**
   * For how many polls a lease given up to restore the balance is kept for replicas below their
   * share.
   */
  private static final int BALANCE_RESERVATION_POLLS = 2;

  private final LeaseStore store;
  private final Database database;
  private final DatabaseHealth health;
  private final String replicaId;
  private final String host;

  /**
   * How long a lease lasts in the table: the TTL less one poll, so that its expiry is noticed
   * within the TTL.
   */
  private final long leaseMillis;

  private final long renewNanos;
  private final long marginNanos;
  private final Duration pollInterval;
  private final LoopClock clock;
  // Runs the rounds, one at a time; the next regular round is armed on the clock after each one.
  private final ExecutorService ticker;
  private final LoopClock.Timer nextRound;
  private final PeerWatch peerWatch;
  private final ConcurrentMap<String, Seat> seats = new ConcurrentHashMap<>();
  private volatile boolean fullSyncRequested = true;
  private volatile boolean databaseAnswers = true;
  private volatile long lastAnswerNanos;
  private volatile boolean closed;
  // The session lock recorded in this replica's row (null: none yet, or none possible); whether the
  // session that
  // holds it is alive; how often it was (re)taken; whether iterations wait for a full renewal after
  // a loss.
  private volatile String sessionLock;
  private volatile boolean sessionHeld;
  private volatile long sessionRestores;
  private volatile boolean sessionLost;
  // A service waits for its first start under a lease to be recorded before it makes it (see
  // recordStartsToMake).
  private volatile boolean startsToRecord;
  // A calendar service waits for its fire to be recorded before it runs it (see recordFires).
  private volatile boolean firesToRecord;

  // Confined to the ticker thread.
  private long nextFullSyncNanos;
  private int liveReplicas = 1;
  private boolean registered;
  // Leases whose owner's session was seen gone, by service: taken when still so one poll later.
  private Map<String, Orphan> orphans = new HashMap<>();
  // Replicas whose session this replica's watch saw end, and when (nano time): a bound on their
  // death.
  private final ConcurrentMap<String, Long> watchedGone = new ConcurrentHashMap<>();

  private LeaseCoordinator(Builder builder, DatabaseHealth health) {
    this.health = health;
    this.database = builder.database;
    this.replicaId = builder.replicaId != null ? builder.replicaId : defaultReplicaId();
    this.host = hostName();
    this.leaseMillis = builder.leaseTtl.minus(builder.pollInterval).toMillis();
    this.renewNanos = builder.leaseTtl.toNanos() / 3;
    this.marginNanos = builder.leaseTtl.toNanos() / 5;
    this.pollInterval = builder.pollInterval;
    this.clock = builder.clock;
    this.lastAnswerNanos = clock.nanoTime();
    this.store =
        new LeaseStore(builder.database, (int) Math.max(1, builder.leaseTtl.toSeconds() / 3));
    this.ticker = Executors.newSingleThreadExecutor(DaemonThreads.named("loopwork-leases"));
    this.nextRound = clock.newTimer(this::wakeTicker);
    wakeTicker();
    if (database.dialect().hasSessionLocks()) {
      DaemonThreads.named("loopwork-session").newThread(this::watchSession).start();
      peerWatch =
          new PeerWatch(
              database, store, replicaId, pollInterval.toNanos(), this::watchedReplicaGone);
      DaemonThreads.named("loopwork-peer-watch").newThread(peerWatch).start();
    } else {
      peerWatch = null;
    }
  }

  /** A builder for a coordinator on {@code database}, whose Loopwork tables must exist. */
  public static Builder builder(Database database) {
    return new Builder(database);
  }

  /** This replica's id in the leases table: unique per process. */
  public String replicaId() {
    return replicaId;
  }

  /** The number of leases this replica holds now. */
  public int heldLeases() {
    return (int) seats.values().stream().filter(Seat::isHeld).count();
  }

  /** Whether this replica holds the lease of {@code service} now. */
  public boolean holdsLease(String service) {
    Seat seat = seats.get(service);
    return seat != null && seat.isHeld();
  }

  /**
   * Whether this replica runs the iterations of {@code service} now: it holds its lease, or the
   * service is not one that this coordinator coordinates.
   */
  public boolean runsHere(String service) {
    Seat seat = seats.get(service);
    return seat == null || seat.isHeld();
  }

  /**
   * Registers {@code service} for coordination; its iterations run here only while this replica
   * holds its lease.
   *
   * @throws IllegalStateException if the coordinator is closed or a service of the same name is
   *     registered
   */
  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval(), () -> {});
  }

  /**
   * Registers a run of {@code service} that uses {@code loopInterval}: a new owner waits one such
   * interval after the last recorded start, and calls {@code askAgain} when the lease comes here so
   * that the service starts at that moment rather than at its next ask.
   *
   * @throws IllegalStateException if the coordinator is closed or a service of the same name is
   *     registered
   */
  @Override
  public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    if (closed) {
      throw new IllegalStateException(
          "LeaseCoordinator " + replicaId + " is closed; cannot coordinate " + service.name());
    }
    if (service.name().length() > MAX_SERVICE_NAME) {
      throw new IllegalArgumentException(
          "service name must be at most "
              + MAX_SERVICE_NAME
              + " characters to be "
              + "coordinated: \""
              + service.name()
              + "\"");
    }
    Seat seat =
        new Seat(
            service.name(), loopInterval.toNanos(), service.options().jitter().toNanos(), askAgain);
    if (seats.putIfAbsent(seat.service, seat) != null) {
      throw new IllegalStateException(
          "A service named "
              + seat.service
              + " is already coordinated by replica "
              + replicaId
              + "; coordinated services need unique names");
    }
    fullSyncRequested = true;
    wakeTicker();
    return seat;
  }

  /**
   * Stops coordinating: no permit is granted any more, every lease is released and this replica's
   * row removed. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (peerWatch != null) {
      peerWatch.close();
    }
    nextRound.cancel();
    ticker.shutdown();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Seat> busy = seats.values().stream().filter(Seat::isInIteration).toList();
    seats.values().stream().filter(seat -> !busy.contains(seat)).forEach(Seat::leave);
    if (!busy.isEmpty()) {
      // A lease is never released while its iteration runs: another replica could run the service
      // at the same time. The lease is no longer renewed (it expires after its TTL), the session
      // stays, and the last of these seats to leave releases its lease and removes this replica.
      LOG.info(
          "Replica {} keeps the leases of {} until their running iterations end (no longer renewed: "
              + "they expire after {} at the latest)",
          replicaId,
          busy.stream().map(seat -> seat.service).toList(),
          DurationFormat.seconds(Duration.ofMillis(leaseMillis)));
      return;
    }
    try {
      store.removeReplica(replicaId);
    } catch (SQLException e) {
      health.failed("remove replica " + replicaId, e);
    }
  }

  /**
   * Whether the session must still be held: until the coordinator is closed and the last seat that
   * was in an iteration then has left (or the database is closed).
   */
  private boolean keepsSession() {
    return (!closed || !seats.isEmpty()) && !database.isClosed();
  }

  /**
   * Whether the database answered lately: not if the last round failed or is older than a renewal
   * period and a poll (e.g. stuck waiting for a connection), so no iteration starts, though the
   * lease may still be valid. The poll counts too: rounds come one poll apart, which may be a whole
   * renewal period.
   */
  private boolean isInTouch(long now) {
    return databaseAnswers
        && health.isUp()
        && now - lastAnswerNanos <= renewNanos + pollInterval.toNanos();
  }

  /** A round of the background thread at once. */
  private void wakeTicker() {
    try {
      ticker.execute(this::tick);
    } catch (RejectedExecutionException e) {
      // Closed: nothing left to do.
    }
  }

  /** An extra round of the background thread {@code delayNanos} from now on the clock. */
  private void tickAfter(long delayNanos) {
    clock.schedule(clock.nanoTime() + delayNanos, this::wakeTicker);
  }

  /**
   * The session thread: holds a connection of its own with the session lock that tells the other
   * replicas this one is alive, and blocks on it (listening for announced releases where the
   * database has them, and waking the ticker for each). The moment the session is lost, no
   * iteration starts here any more and the running ones are revoked; the thread reconnects and
   * takes the same lock again, and iterations resume after a full renewal shows which leases are
   * still this replica's. Without a session lock that this connection's own session holds (a
   * transaction pooler in between), the replica warns once and its leases fail over by their TTL
   * alone.
   */
  private void watchSession() {
    String lock = null;
    while (keepsSession()) {
      try (Connection connection = database.dedicatedConnection()) {
        String taken = database.dialect().takeSessionLock(connection, lock);
        if (taken == null && lock == null) {
          LOG.warn(
              "Replica {} cannot hold a database session lock on {}: its own server session does not keep it "
                  + "(a transaction pooler such as PgBouncer in between?). Its leases fail over only when their TTL "
                  + "runs out. Give Loopwork a direct connection to the database for fail-over within a second.",
              replicaId,
              database.url());
          return;
        }
        if (taken == null) {
          throw new SQLException(
              "the session lock " + lock + " is still held by an earlier session");
        }
        if (sessionLost) {
          // The database accepts connections again: a fresh pool connects at once, where the
          // old one may still be backing off between attempts for seconds.
          database.renewPool();
        }
        lock = taken;
        sessionLock = taken;
        sessionRestores++;
        sessionHeld = true;
        fullSyncRequested = true;
        wakeTicker();
        while (keepsSession()) {
          if (database.dialect().watchSession(connection, SESSION_WAIT_MILLIS)) {
            wakeTicker();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!keepsSession()) {
          return;
        }
        if (sessionHeld) {
          loseSession(e);
        }
        LockSupport.parkNanos(pollInterval.toNanos() / 4);
      }
    }
  }

  /**
   * The session that holds this replica's lock ended: start nothing more, revoke what runs, until
   * it is back.
   */
  private void loseSession(Exception cause) {
    sessionHeld = false;
    sessionLost = true;
    // One WARN per outage, shared with the other statements that fail in it.
    health.failed(
        "keep the database session of replica "
            + replicaId
            + " (no iteration starts here until it is "
            + "back and its leases are checked; the running ones are interrupted)",
        cause);
    seats.values().forEach(Seat::revokeRunning);
    database
        .evictConnections(); // the server ended this session: it has likely ended the pool's too
  }

  /**
   * A transaction of an iteration of {@code seat} lost its connection: one WARN per outage (shared
   * with the statements of this coordinator that fail in it), the iteration is interrupted as if
   * the session had been lost, so it is logged as such and not as an error of the service, and the
   * pool's connections, likely ended too, go.
   */
  private void iterationLostConnection(Seat seat, SQLException cause) {
    health.failed(
        "run an iteration of "
            + seat.service
            + " on replica "
            + replicaId
            + " (its connection was lost)",
        cause);
    database.evictConnections();
    seat.revokeRunning();
  }

  /** This replica's watch saw the session of {@code replica} end just now. */
  private void watchedReplicaGone(String replica) {
    watchedGone.put(replica, clock.nanoTime());
    wakeTicker();
  }

  /**
   * When the lease of a replica whose session is gone counts as first seen so: when this replica's
   * watch saw that session end, if it did within the last poll, or now. (The watch's moment bounds
   * the owner's death closely, so that a slot just after it is not skipped for fear that the owner
   * ran it.)
   */
  private long firstSeenGone(String owner, long now) {
    Long watched = watchedGone.get(owner);
    return watched != null && now - watched >= 0 && now - watched < pollInterval.toNanos()
        ? watched
        : now;
  }

  /**
   * Records how many replicas live; when that changes, the watch looks again for the replica to
   * watch.
   */
  private void countLiveReplicas(int count) {
    int live = Math.max(1, count);
    if (live != liveReplicas && peerWatch != null) {
      peerWatch.retarget();
    }
    liveReplicas = live;
  }

  /**
   * One round of the background thread: a full renewal when due, otherwise a look for free leases.
   */
  private void tick() {
    long tickStart = clock.nanoTime();
    try {
      if (seats.isEmpty()) {
        if (registered) {
          store.removeReplica(replicaId);
          registered = false;
        }
      } else {
        recordStartsToMake();
        recordFires();
        long now = clock.nanoTime();
        if (fullSyncRequested || now - nextFullSyncNanos >= 0) {
          fullSync(now);
        } else {
          releasePending();
          LeaseStore.FreeLeases free = store.readFree();
          countLiveReplicas(free.liveReplicas());
          if (!sessionLost) {
            takeOrphans(free.orphaned(), now);
            balance(free.leases(), false);
          }
        }
      }
      databaseAnswers = true;
      lastAnswerNanos = tickStart;
      health.succeeded();
      seats.values().forEach(Seat::askAgainIfNewlyHeld);
    } catch (SQLException | RuntimeException e) {
      databaseAnswers = false;
      health.failed("renew the leases of replica " + replicaId, e);
    } finally {
      if (!closed) {
        nextRound.schedule(clock.nanoTime() + pollInterval.toNanos());
      }
    }
  }

  private void fullSync(long sendNanos) throws SQLException {
    fullSyncRequested = false;
    boolean sessionHeldAtStart = sessionHeld;
    long restoresAtStart = sessionRestores;
    store.heartbeat(replicaId, host, ProcessHandle.current().pid(), leaseMillis, sessionLock);
    registered = true;
    Map<String, Long> starts = new HashMap<>();
    Map<Seat, Long> reported = new HashMap<>();
    for (Seat seat : seats.values()) {
      if (!seat.rowEnsured) {
        store.ensureLease(seat.service);
        seat.rowEnsured = true;
      }
      seat.unreportedStart()
          .ifPresent(
              start -> {
                starts.put(seat.service, Math.max(0, (sendNanos - start) / 1_000_000L));
                reported.put(seat, start);
              });
    }
    store.renew(replicaId, leaseMillis, starts);
    reported.forEach(Seat::startReported);
    List<LeaseStore.Lease> leases = store.readAll();
    countLiveReplicas(store.liveReplicas());
    Map<String, LeaseStore.Lease> byService = new HashMap<>();
    for (LeaseStore.Lease lease : leases) {
      byService.put(lease.service(), lease);
      if (replicaId.equals(lease.owner()) && !seats.containsKey(lease.service())) {
        // Held for a service that left while its release failed: let it go, or renewals would keep
        // it forever.
        store.release(lease.service(), replicaId, lease.fencingToken(), null, 0);
      }
    }
    for (Seat seat : seats.values()) {
      LeaseStore.Lease lease = byService.get(seat.service);
      if (lease == null) {
        seat.rowEnsured = false;
        seat.lose("its row in " + LoopworkSchema.LEASE_TABLE + " is gone");
        fullSyncRequested = true;
      } else if (replicaId.equals(lease.owner()) && lease.remainingMillis() > 0) {
        if (!seat.hold(lease, sendNanos, clock.nanoTime())) {
          store.release(seat.service, replicaId, lease.fencingToken(), null, 0);
        }
      } else {
        seat.lose(
            lease.owner() == null
                ? "it was released"
                : "replica " + lease.owner() + " holds it now");
      }
    }
    // Due one poll early: rounds come a poll apart (or sooner when woken), and the next one may
    // come a whole poll
    // after the renewal period, when the lease may be within its margin and the services would
    // wait.
    nextFullSyncNanos = sendNanos + renewNanos - pollInterval.toNanos();
    if (sessionLost && sessionHeldAtStart && sessionHeld && sessionRestores == restoresAtStart) {
      sessionLost =
          false; // the session is back and this renewal, made after, says which leases are still
      // ours
      LOG.debug("Replica {} has its database session again; its iterations resume", replicaId);
    }
    releasePending();
    if (!sessionLost) {
      balance(leases, true);
    }
    seats.values().forEach(Seat::synced);
  }

  /**
   * After a full renewal ({@code fullView}: {@code candidates} are all the leases), gives up the
   * leases above this replica's share; then takes every free lease among {@code candidates}, above
   * its share too (a lease that waits for the balance is a service that does not run), except those
   * reserved for replicas below their share while this one is not.
   */
  private void balance(List<LeaseStore.Lease> candidates, boolean fullView) throws SQLException {
    int share = (seats.size() + liveReplicas - 1) / liveReplicas;
    if (fullView) {
      List<Seat> held = new ArrayList<>();
      seats.values().stream()
          .filter(Seat::isHeld)
          .sorted(Comparator.comparing((Seat s) -> s.service))
          .forEach(held::add);
      for (int i = held.size() - 1; i >= share; i--) {
        held.get(i).markForRelease();
      }
      releasePending();
    }
    int holding = heldLeases();
    for (LeaseStore.Lease lease : candidates) {
      Seat seat = seats.get(lease.service());
      boolean free = lease.owner() == null || lease.remainingMillis() <= 0;
      boolean reserved = lease.owner() == null && lease.remainingMillis() > 0;
      boolean belowShare = holding < share;
      if (seat != null
          && free
          && (belowShare || !reserved)
          && !seat.isHeld()
          && acquire(seat, belowShare)) {
        holding++;
      }
    }
  }

  /**
   * Takes the leases whose owner's session has been gone since the previous poll at least (a
   * replica that reconnects within a poll keeps them), whatever this replica's share.
   */
  private void takeOrphans(List<LeaseStore.Lease> orphaned, long now) throws SQLException {
    watchedGone.values().removeIf(watched -> now - watched >= pollInterval.toNanos());
    Map<String, Orphan> seen = new HashMap<>();
    boolean newlySeen = false;
    for (LeaseStore.Lease lease : orphaned) {
      Seat seat = seats.get(lease.service());
      if (seat == null || replicaId.equals(lease.owner()) || seat.isHeld()) {
        continue;
      }
      Orphan earlier = orphans.get(lease.service());
      Orphan orphan =
          earlier != null && earlier.isSame(lease)
              ? earlier
              : new Orphan(lease.owner(), lease.fencingToken(), firstSeenGone(lease.owner(), now));
      if (now - orphan.firstSeenNanos >= pollInterval.toNanos() && takeOrphaned(seat, orphan)) {
        continue;
      }
      newlySeen |= orphan != earlier;
      seen.put(lease.service(), orphan);
    }
    orphans = seen;
    if (newlySeen) {
      // Perhaps seen between two polls (a watch saw or announced it): look again one poll after the
      // first sight.
      long first = seen.values().stream().mapToLong(Orphan::firstSeenNanos).min().orElse(now);
      tickAfter(Math.max(0, first + pollInterval.toNanos() - clock.nanoTime()));
    }
  }

  private boolean takeOrphaned(Seat seat, Orphan orphan) throws SQLException {
    long sendNanos = clock.nanoTime();
    Optional<LeaseStore.Lease> lease =
        store.takeOrphaned(seat.service, replicaId, leaseMillis, orphan.owner, orphan.fencingToken);
    if (lease.isEmpty()) {
      return false;
    }
    if (!seat.holdAfterCrash(lease.get(), sendNanos, clock.nanoTime(), orphan.firstSeenNanos)) {
      store.release(seat.service, replicaId, lease.get().fencingToken(), null, 0);
      return false;
    }
    LOG.info(
        "Replica {} took the lease of {} from replica {}, whose database session ended",
        replicaId,
        seat.service,
        orphan.owner);
    return true;
  }

  private boolean acquire(Seat seat, boolean takeReserved) throws SQLException {
    long sendNanos = clock.nanoTime();
    Optional<LeaseStore.Lease> lease =
        store.acquire(seat.service, replicaId, leaseMillis, takeReserved);
    if (lease.isEmpty()) {
      return false;
    }
    if (!seat.hold(lease.get(), sendNanos, clock.nanoTime())) {
      store.release(seat.service, replicaId, lease.get().fencingToken(), null, 0);
      return false;
    }
    LOG.debug(
        "Replica {} took the lease of {} with fencing token {}",
        replicaId,
        seat.service,
        lease.get().fencingToken());
    return true;
  }

  /**
   * Records the starts that services wait to make off their recorded schedule (see {@link
   * Seat#permit()}) as made now, then lets the services ask again.
   */
  private void recordStartsToMake() throws SQLException {
    if (!startsToRecord) {
      return;
    }
    startsToRecord = false;
    Map<String, Long> starts = new HashMap<>();
    List<Seat> waiting = new ArrayList<>();
    for (Seat seat : seats.values()) {
      if (seat.waitsForStartRecord()) {
        starts.put(seat.service, 0L);
        waiting.add(seat);
      }
    }
    if (!starts.isEmpty()) {
      store.renew(replicaId, leaseMillis, starts);
      waiting.forEach(Seat::startRecorded);
    }
  }

  /**
   * Records the fires that calendar services wait to run (see {@link Seat#permit(Instant)}), then
   * lets each service ask again.
   */
  private void recordFires() throws SQLException {
    if (!firesToRecord) {
      return;
    }
    firesToRecord = false;
    for (Seat seat : seats.values()) {
      Optional<FireRecord> fire = seat.fireToRecord();
      if (fire.isPresent()) {
        FireRecord f = fire.get();
        seat.fireRecorded(
            f, store.recordFire(seat.service, replicaId, f.fencingToken(), f.fireMillis()));
      }
    }
  }

  /**
   * Gives up the leases marked for the balance whose iteration has ended, reserved for a few polls.
   */
  private void releasePending() throws SQLException {
    long reserveMillis = pollInterval.multipliedBy(BALANCE_RESERVATION_POLLS).toMillis();
    for (Seat seat : seats.values()) {
      Optional<Release> release = seat.releaseIfIdle(clock.nanoTime());
      if (release.isPresent()) {
        store.release(
            seat.service,
            replicaId,
            release.get().fencingToken,
            release.get().startedAgoMillis,
            reserveMillis);
        LOG.info(
            "Replica {} handed over the lease of {} (fencing token {}) for the balance",
            replicaId,
            seat.service,
            release.get().fencingToken);
      }
    }
  }

  private static String defaultReplicaId() {
    return hostName()
        + "-"
        + ProcessHandle.current().pid()
        + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  private record Release(long fencingToken, Long startedAgoMillis) {}

  /** A calendar fire (epoch milliseconds) to record as started under a fencing token. */
  private record FireRecord(long fencingToken, Long fireMillis) {}

  /** A lease seen held by a replica whose session had ended, and when it was first seen so. */
  private record Orphan(String owner, long fencingToken, long firstSeenNanos) {
    boolean isSame(LeaseStore.Lease lease) {
      return owner.equals(lease.owner()) && fencingToken == lease.fencingToken();
    }
  }

  /**
   * One service's lease as this replica sees it. Its state is guarded by its monitor.
   *
   * <p>Its starts stay on the schedule the database knows, so that a replica taking over after a
   * crash of this one keeps it too: a start off that schedule (the first under a hold made later
   * than the slot the hold began at; or one after a deferral or an overrun moved the service's
   * schedule) is recorded before it is made.
   */
  private final class Seat implements Membership {
    final String service;
    final long intervalNanos;
    private final long jitterNanos;
    private final Runnable askAgain;
    volatile boolean rowEnsured;
    private boolean synced;
    private boolean held;
    private long fencingToken;
    private long validUntilNanos;
    private long notBeforeNanos;
    private boolean inIteration;
    private IterationPermit running;
    private boolean releasing;
    private boolean left;
    private long lastStartNanos;
    private boolean started;
    private long reportedStartNanos;
    // When the current hold began, and whether the database has a start made under it.
    private long holdBeganNanos;
    private boolean startRecordedInHold;
    // A start on the schedule the database knows: the slot the hold began at, or the latest start
    // recorded.
    private long gridNanos;
    // Whether a start waits to be recorded, and whether the next one is the start just recorded as
    // made now.
    private boolean startRecordPending;
    private boolean recordedStartNext;
    // Whether the service's schedule may have moved since the last start (a deferral while held, an
    // overrun).
    private boolean scheduleMoved;
    // A hold began since the service last asked, which may be waiting up to a poll to ask again.
    private boolean newlyHeld;
    // A calendar service's fires, in epoch milliseconds: the latest recorded as started (the row's
    // when the hold began, then this replica's own), whether the service has yet to be told it in
    // this hold, the fire waiting to be recorded, and whether the latest is recorded here and not
    // yet granted.
    private Long lastFireMillis;
    private boolean lastFireUntold;
    private Long fireToRecord;
    private boolean recordedFireUngranted;

    Seat(String service, long intervalNanos, long jitterNanos, Runnable askAgain) {
      this.service = service;
      this.intervalNanos = intervalNanos;
      this.jitterNanos = jitterNanos;
      this.askAgain = askAgain;
    }

    /**
     * Has the service ask for a permit at once if its hold began in this round, so that it starts
     * at its next slot (the permit defers it until then) rather than at its next ask, up to a poll
     * later and off its schedule.
     */
    void askAgainIfNewlyHeld() {
      boolean ask;
      synchronized (this) {
        ask = newlyHeld && synced;
        newlyHeld = false;
      }
      if (ask) {
        askAgain.run();
      }
    }

    @Override
    public synchronized IterationPermit permit() {
      long now = clock.nanoTime();
      IterationPermit refusal = refusal(now);
      if (refusal != null) {
        return refusal;
      }
      if (notBeforeNanos - now > 0) {
        return IterationPermit.deferred(Duration.ofNanos(notBeforeNanos - now));
      }
      if (!recordedStartNext && leavesRecordedSchedule(now)) {
        // Record it before making it, so that a replica taking over after a crash of this one knows
        // the new
        // schedule; asked again once recorded.
        startRecordPending = true;
        if (!startsToRecord) {
          startsToRecord = true;
          wakeTicker();
        }
        return IterationPermit.deferred(pollInterval);
      }
      if (recordedStartNext) {
        recordedStartNext = false;
        gridNanos = now;
        reportedStartNanos = now; // the record stands for it
      }
      return grant(now);
    }

    /**
     * The deferral of a service that may not start now (the lease is not held here, or not surely
     * enough: not yet compared with the database, out of touch, within its margin), else null.
     */
    private IterationPermit refusal(long now) {
      if (!synced
          || !held
          || releasing
          || closed
          || sessionLost
          || !isInTouch(now)
          || validUntilNanos - marginNanos - now <= 0) {
        // Ask again within a poll: the lease may come here at any moment, and then its schedule
        // goes on.
        scheduleMoved |= held; // the service's schedule goes on from that later ask
        return IterationPermit.deferred(pollInterval);
      }
      newlyHeld = false; // this answer already counts from the hold
      return null;
    }

    /**
     * A calendar fire runs only once its record is in the row: a new owner then goes on after it,
     * whatever happens to this replica. So the first ask for a fire after the last recorded one
     * defers it while the background thread records it, and the ask that follows grants it; a fire
     * at or before the last recorded one started already (here, or on an earlier owner) and is
     * denied. A service that has not yet taken the last recorded fire of a new hold asks again at
     * once, taking it first.
     */
    @Override
    public synchronized IterationPermit permit(Instant fire) {
      IterationPermit refusal = refusal(clock.nanoTime());
      if (refusal != null) {
        return refusal;
      }
      if (lastFireUntold) {
        return IterationPermit.deferred(TAKE_LAST_FIRE_FIRST);
      }
      long fireMillis = fire.toEpochMilli();
      if (lastFireMillis != null && fireMillis <= lastFireMillis) {
        if (recordedFireUngranted && fireMillis == lastFireMillis) {
          recordedFireUngranted = false;
          return grant(clock.nanoTime());
        }
        return IterationPermit.denied();
      }
      fireToRecord = fireMillis;
      if (!firesToRecord) {
        firesToRecord = true;
        wakeTicker();
      }
      return IterationPermit.deferred(RECORD_WAIT);
    }

    @Override
    public synchronized Optional<Instant> takeLastRecordedFire() {
      if (!held || !lastFireUntold) {
        return Optional.empty();
      }
      lastFireUntold = false;
      newlyHeld = false;
      return Optional.of(Instant.ofEpochMilli(lastFireMillis));
    }

    /** The fire that waits to be recorded before it runs, if any. */
    synchronized Optional<FireRecord> fireToRecord() {
      return held && fireToRecord != null
          ? Optional.of(new FireRecord(fencingToken, fireToRecord))
          : Optional.empty();
    }

    /**
     * The background thread tried to record {@code fire}: if the row took it, the service asks
     * again and its fire is granted; if not, the lease is not this replica's as it thought, and the
     * next full renewal says whose it is.
     */
    void fireRecorded(FireRecord fire, boolean recorded) {
      synchronized (this) {
        if (!fire.equals(new FireRecord(fencingToken, fireToRecord))) {
          return; // asked for another fire, or held again, meanwhile
        }
        fireToRecord = null;
        if (!recorded) {
          lostUnder(
              fire.fencingToken(),
              "the database refused to record its fire " + Instant.ofEpochMilli(fire.fireMillis()));
          fullSyncRequested = true;
          return;
        }
        lastFireMillis = fire.fireMillis();
        recordedFireUngranted = true;
      }
      askAgain.run();
    }

    /** Grants the iteration due now, under this hold's fencing token and an iteration fence. */
    private IterationPermit grant(long now) {
      scheduleMoved = false;
      inIteration = true;
      started = true;
      lastStartNanos = now;
      running = IterationPermit.granted(fencingToken);
      long token = fencingToken;
      new IterationFence(
              database,
              store,
              service,
              replicaId,
              token,
              new IterationFence.LossListener() {
                @Override
                public void leaseLost(String reason) {
                  lostUnder(token, reason);
                }

                @Override
                public void connectionLost(SQLException cause) {
                  iterationLostConnection(Seat.this, cause);
                }
              })
          .enter();
      return running;
    }

    /**
     * Whether a start now would leave the schedule the database knows: the first start under a hold
     * must come at the slot the hold began at, up to {@link #LATE_WAKE_NANOS} late (the lease came
     * after its slot otherwise); after the schedule may have moved (a deferral while held, an
     * overrun), a start must come a whole number of intervals after the latest recorded start, up
     * to {@link #LATE_WAKE_NANOS} late (each bound widened by the service's jitter). Other starts
     * off it are extra iterations ({@code runNow}), which leave the schedule as it is.
     */
    private boolean leavesRecordedSchedule(long now) {
      boolean firstInHold = !startedInHold();
      if (firstInHold && !startRecordedInHold) {
        return now - notBeforeNanos > LATE_WAKE_NANOS + jitterNanos;
      }
      if (!scheduleMoved || intervalNanos <= 0) {
        return false;
      }
      long phase = Math.floorMod(now - gridNanos, intervalNanos);
      return phase > LATE_WAKE_NANOS + jitterNanos
          && intervalNanos - phase > ON_SCHEDULE_NANOS + jitterNanos;
    }

    /** Whether this replica holds the service's lease now. */
    @Override
    public boolean isHolder() {
      return isHeld();
    }

    @Override
    public synchronized void iterationEnded(IterationPermit permit) {
      IterationFence.exit();
      inIteration = false;
      running = null;
      // An overrun: the service's schedule goes on from the end of this iteration.
      scheduleMoved |= intervalNanos > 0 && clock.nanoTime() - lastStartNanos > intervalNanos;
    }

    /**
     * Interrupts the iteration that runs under this lease, if one does: the lease may no longer be
     * this one's.
     */
    synchronized void revokeRunning() {
      if (running != null) {
        running.revoke();
      }
    }

    @Override
    public void leave() {
      Release release;
      synchronized (this) {
        left = true;
        release = held ? new Release(fencingToken, startedAgo(clock.nanoTime())) : null;
        held = false;
      }
      seats.remove(service, this);
      if (release != null) {
        try {
          if (seats.isEmpty()) {
            store.releaseAndLeave(
                service, replicaId, release.fencingToken, release.startedAgoMillis);
          } else {
            store.release(service, replicaId, release.fencingToken, release.startedAgoMillis, 0);
          }
          LOG.info(
              "Replica {} released the lease of {} (fencing token {})",
              replicaId,
              service,
              release.fencingToken);
        } catch (SQLException e) {
          health.failed("release the lease of " + service, e);
        }
      }
      if (seats.isEmpty()) {
        wakeTicker();
      }
    }

    synchronized void synced() {
      synced = true;
    }

    synchronized boolean isInIteration() {
      return inIteration;
    }

    synchronized boolean isHeld() {
      return held;
    }

    /**
     * Records that the database says this replica holds the lease; returns false if the service has
     * left, in which case the caller releases it. A new hold waits until one interval after the
     * last recorded start.
     */
    synchronized boolean hold(LeaseStore.Lease lease, long sendNanos, long receivedNanos) {
      return hold(lease, sendNanos, receivedNanos, null);
    }

    /**
     * As {@link #hold}, for a lease taken from a replica whose session was seen gone at {@code
     * ownerGoneNanos}. It records its starts only with its renewals, so it may have run later slots
     * of the recorded schedule than the recorded one, though none after it was gone: the new hold
     * waits for the first slot of that schedule after then, so that no slot runs twice; with no
     * start recorded, one interval after then.
     */
    synchronized boolean holdAfterCrash(
        LeaseStore.Lease lease, long sendNanos, long receivedNanos, long ownerGoneNanos) {
      return hold(lease, sendNanos, receivedNanos, ownerGoneNanos);
    }

    private boolean hold(
        LeaseStore.Lease lease, long sendNanos, long receivedNanos, Long ownerGoneNanos) {
      if (left || closed) {
        return false;
      }
      if (!held || fencingToken != lease.fencingToken()) {
        Long since = lease.sinceLastStartMillis();
        long next;
        if (since == null) {
          // No start recorded: a dead owner may still have started one just before it was seen
          // gone.
          next = ownerGoneNanos == null ? receivedNanos : ownerGoneNanos + intervalNanos;
        } else {
          next = receivedNanos + intervalNanos - since * 1_000_000L;
          if (ownerGoneNanos != null && intervalNanos > 0 && ownerGoneNanos - next > 0) {
            next += ((ownerGoneNanos - next + intervalNanos - 1) / intervalNanos) * intervalNanos;
          }
        }
        LOG.debug(
            "Replica {} computes the first start under the lease of {}: recorded start {} ms ago, owner"
                + " gone {} ms ago, first start in {} ms",
            replicaId,
            service,
            since,
            ownerGoneNanos == null ? null : (receivedNanos - ownerGoneNanos) / 1_000_000,
            (next - receivedNanos) / 1_000_000);
        notBeforeNanos = next;
        gridNanos = next;
        recordedStartNext = false;
        fencingToken = lease.fencingToken();
        held = true;
        releasing = false;
        newlyHeld = true;
        holdBeganNanos = receivedNanos;
        LOG.info(
            "Replica {} holds the lease of {} under fencing token {}",
            replicaId,
            service,
            fencingToken);
        startRecordedInHold = false;
        startRecordPending = false;
        lastFireMillis = lease.lastFireMillis();
        lastFireUntold = lastFireMillis != null;
        fireToRecord = null;
        recordedFireUngranted = false;
      }
      validUntilNanos = sendNanos + lease.remainingMillis() * 1_000_000L;
      return true;
    }

    synchronized void lose(String reason) {
      if (held) {
        LOG.info(
            "Replica {} no longer holds the lease of {} under fencing token {} ({}); its iterations stop "
                + "here",
            replicaId,
            service,
            fencingToken,
            reason);
        held = false;
      }
    }

    /**
     * A fenced transaction under {@code token} found the lease gone: unless held again since, it is
     * not held.
     */
    synchronized void lostUnder(long token, String reason) {
      if (fencingToken == token) {
        lose(reason);
      }
    }

    synchronized void markForRelease() {
      releasing = held;
    }

    /** If a release is pending and no iteration runs, ends the hold and returns what to release. */
    synchronized Optional<Release> releaseIfIdle(long now) {
      if (!releasing || inIteration || !held) {
        return Optional.empty();
      }
      held = false;
      releasing = false;
      return Optional.of(new Release(fencingToken, startedAgo(now)));
    }

    /** The start (nano time) of the latest iteration if the database has not recorded it yet. */
    synchronized Optional<Long> unreportedStart() {
      return held && startedInHold() && lastStartNanos != reportedStartNanos
          ? Optional.of(lastStartNanos)
          : Optional.empty();
    }

    /** Whether the service waits for its next start to be recorded before it makes it. */
    synchronized boolean waitsForStartRecord() {
      return held && startRecordPending;
    }

    /** The database recorded the start the service waits to make, as made now: it may make it. */
    void startRecorded() {
      synchronized (this) {
        startRecordPending = false;
        startRecordedInHold = true;
        recordedStartNext = true;
        reportedStartNanos =
            lastStartNanos; // the database has a later start now: never report an earlier one
      }
      askAgain.run();
    }

    /** The database recorded the start at {@code startNanos}; a later start stays unreported. */
    synchronized void startReported(long startNanos) {
      reportedStartNanos = startNanos;
      if (startNanos - holdBeganNanos >= 0) {
        startRecordedInHold = true;
        gridNanos = startNanos;
      }
    }

    /**
     * How long ago (ms) was the start that the next owner continues from, recorded with a release:
     * the latest start under the current hold; before any, one interval before the slot the hold
     * began at, so that the next owner starts at that slot (after a crash, the first one the dead
     * owner cannot have run) and not at once; null for a service without an interval, whose row's
     * record then stands. A start of an earlier hold of this replica never counts: the replicas
     * that held the lease in between started later.
     */
    private Long startedAgo(long now) {
      if (startedInHold()) {
        return Math.max(0, (now - lastStartNanos) / 1_000_000L);
      }
      return intervalNanos > 0 ? Math.max(0, (now - gridNanos + intervalNanos) / 1_000_000L) : null;
    }

    private boolean startedInHold() {
      return started && lastStartNanos - holdBeganNanos >= 0;
    }
  }

  /** Builds a {@link LeaseCoordinator}. */
  public static final class Builder {
    private final Database database;
    private Duration leaseTtl = DEFAULT_LEASE_TTL;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private String replicaId;
    private LoopClock clock = LoopClock.system();

    private Builder(Database database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * How long a lease lasts without renewal (default 10 s): when a replica dies, another one holds
     * its leases within this time (the lease itself is written one poll interval shorter, so that
     * its expiry is noticed in time), and runs each of their services at its next wake-up, at most
     * one interval later.
     *
     * @throws IllegalArgumentException if shorter than one second
     */
    public Builder leaseTtl(Duration leaseTtl) {
      Objects.requireNonNull(leaseTtl, "leaseTtl");
      if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("leaseTtl must be at least 1 s: " + leaseTtl);
      }
      this.leaseTtl = leaseTtl;
      return this;
    }

    /**
     * How often to look for free leases (default 200 ms): bounds the hand-over time after a
     * graceful stop.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration pollInterval) {
      Objects.requireNonNull(pollInterval, "pollInterval");
      if (pollInterval.isNegative() || pollInterval.isZero()) {
        throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
      }
      this.pollInterval = pollInterval;
      return this;
    }

    /**
     * This replica's id (default: host, process id and a random suffix); unique among live
     * replicas.
     */
    public Builder replicaId(String replicaId) {
      if (replicaId == null || replicaId.isBlank() || replicaId.length() > 100) {
        throw new IllegalArgumentException(
            "replicaId must be 1 to 100 characters: \"" + replicaId + "\"");
      }
      this.replicaId = replicaId;
      return this;
    }

    /**
     * The clock that times the leases (default: {@link LoopClock#system()}): their validity, the
     * polls, the recorded schedule and the first start under a new hold. Give it the engine's
     * clock, so that a manual clock drives both in tests; the database's own clock still times the
     * leases' expiry in the table.
     */
    public Builder clock(LoopClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates Loopwork's tables if needed and starts the coordinator's background thread.
     *
     * @throws IllegalArgumentException if the poll interval is longer than a third of the lease
     *     time-to-live
     * @throws DatabaseException if the tables cannot be created
     */
    public LeaseCoordinator build() {
      return build(new DatabaseHealth(database));
    }

    LeaseCoordinator build(DatabaseHealth health) {
      if (pollInterval.compareTo(leaseTtl.dividedBy(3)) > 0) {
        throw new IllegalArgumentException(
            "pollInterval must be at most a third of leaseTtl (" + leaseTtl + "): " + pollInterval);
      }
      LoopworkSchema.create(database);
      return new LeaseCoordinator(this, health);
    }
  }
}
