package dev.loopwork.jdbc;

import dev.loopwork.LoopClock;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the background thread of a {@link LeaseCoordinator} does in a round: renews this replica's
 * leases and compares them with the database, takes free and orphaned leases, gives up those above
 * its share, and records the starts and fires that services wait for. Confined to that thread, but
 * for the requests of other threads ({@link #requestFullSync()}, {@link #recordStartsSoon()},
 * {@link #recordFiresSoon()}) and the peer watch's report ({@link #watchedReplicaGone}).
 */
final class LeaseRounds {
  // Logs as the coordinator, whose lines operators read and filter by its name.
  private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

  /**
   * For how many polls a lease given up to restore the balance is kept for replicas below their
   * share.
   */
  private static final int BALANCE_RESERVATION_POLLS = 2;

  private final LeaseStore store;
  private final String replicaId;
  private final String host;
  private final long leaseMillis;
  private final long renewNanos;
  private final Duration pollInterval;
  private final LoopClock clock;
  private final ConcurrentMap<String, LeaseSeat> seats;
  private final SessionKeeper session;
  // A round of the background thread at once.
  private final Runnable wake;
  // The number of live replicas changed: the peer watch looks again for the replica to watch.
  private final Runnable replicasChanged;
  private volatile boolean fullSyncRequested = true;
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

  /**
   * The rounds of replica {@code replicaId} on {@code host}, for {@code seats}: leases written to
   * last {@code leaseMillis}, fully renewed every {@code renewNanos}, looked for every {@code
   * pollInterval}.
   */
  LeaseRounds(
      LeaseStore store,
      String replicaId,
      String host,
      long leaseMillis,
      long renewNanos,
      Duration pollInterval,
      LoopClock clock,
      ConcurrentMap<String, LeaseSeat> seats,
      SessionKeeper session,
      Runnable wake,
      Runnable replicasChanged) {
    this.store = store;
    this.replicaId = replicaId;
    this.host = host;
    this.leaseMillis = leaseMillis;
    this.renewNanos = renewNanos;
    this.pollInterval = pollInterval;
    this.clock = clock;
    this.seats = seats;
    this.session = session;
    this.wake = wake;
    this.replicasChanged = replicasChanged;
  }

  /** Has the next round renew all leases and compare them with the database. */
  void requestFullSync() {
    fullSyncRequested = true;
  }

  /**
   * Has a round record soon the starts that services wait to make and the first starts of holds
   * (see recordStartsToMake).
   */
  void recordStartsSoon() {
    if (!startsToRecord) {
      startsToRecord = true;
      wake.run();
    }
  }

  /** Has a round record soon the fires that calendar services wait to run (see recordFires). */
  void recordFiresSoon() {
    if (!firesToRecord) {
      firesToRecord = true;
      wake.run();
    }
  }

  /** How many of the seats hold their lease now. */
  int heldLeases() {
    return (int) seats.values().stream().filter(LeaseSeat::isHeld).count();
  }

  /** This replica's watch saw the session of {@code replica} end just now. */
  void watchedReplicaGone(String replica) {
    watchedGone.put(replica, clock.nanoTime());
    wake.run();
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
    if (live != liveReplicas) {
      replicasChanged.run();
    }
    liveReplicas = live;
  }

  /**
   * The work of one round: a full renewal when due, otherwise a look for free leases; once no
   * service is left, the removal of this replica's row.
   */
  void run() throws SQLException {
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
        if (!session.isLost()) {
          takeOrphans(free.orphaned(), now);
          balance(free.leases(), false);
        }
      }
    }
  }

  private void fullSync(long sendNanos) throws SQLException {
    fullSyncRequested = false;
    boolean sessionHeldAtStart = session.isHeld();
    long restoresAtStart = session.restores();
    store.heartbeat(replicaId, host, ProcessHandle.current().pid(), leaseMillis, session.lock());
    registered = true;
    Map<String, Long> starts = new HashMap<>();
    Map<LeaseSeat, Long> reported = new HashMap<>();
    for (LeaseSeat seat : seats.values()) {
      if (!seat.rowEnsured) {
        store.ensureLease(seat.service);
        seat.rowEnsured = true;
      }
      seat.unreportedStart()
          .ifPresent(
              start -> {
                starts.put(seat.service, start);
                reported.put(seat, start);
              });
    }
    store.renew(replicaId, leaseMillis, starts);
    reported.forEach(LeaseSeat::startReported);
    List<LeaseStore.Lease> leases = store.readAll();
    countLiveReplicas(store.liveReplicas());
    Map<String, LeaseStore.Lease> byService = new HashMap<>();
    for (LeaseStore.Lease lease : leases) {
      byService.put(lease.service(), lease);
      if (replicaId.equals(lease.owner()) && !seats.containsKey(lease.service())) {
        // Held for a service that left while its release failed: let it go, or renewals would
        // keep it forever.
        store.release(lease.service(), replicaId, lease.fencingToken(), null, 0);
      }
    }
    for (LeaseSeat seat : seats.values()) {
      LeaseStore.Lease lease = byService.get(seat.service);
      if (lease == null) {
        seat.rowEnsured = false;
        seat.lose("its row in " + LoopworkSchema.LEASE_TABLE + " is gone");
        fullSyncRequested = true;
      } else if (replicaId.equals(lease.owner()) && lease.remainingMillis() > 0) {
        if (!seat.hold(lease)) {
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
    // come a whole poll after the renewal period, when the lease may be within its margin and the
    // services would wait.
    nextFullSyncNanos = sendNanos + renewNanos - pollInterval.toNanos();
    if (session.isLost()
        && sessionHeldAtStart
        && session.isHeld()
        && session.restores() == restoresAtStart) {
      // The session is back and this renewal, made after, says which leases are still ours.
      session.resumed();
      LOG.debug("Replica {} has its database session again; its iterations resume", replicaId);
    }
    releasePending();
    if (!session.isLost()) {
      balance(leases, true);
    }
    seats.values().forEach(LeaseSeat::synced);
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
      List<LeaseSeat> held = new ArrayList<>();
      seats.values().stream()
          .filter(LeaseSeat::isHeld)
          .sorted(Comparator.comparing((LeaseSeat s) -> s.service))
          .forEach(held::add);
      for (int i = held.size() - 1; i >= share; i--) {
        held.get(i).markForRelease();
      }
      releasePending();
    }
    int holding = heldLeases();
    for (LeaseStore.Lease lease : candidates) {
      LeaseSeat seat = seats.get(lease.service());
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
      LeaseSeat seat = seats.get(lease.service());
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
      // Perhaps seen between two polls (a watch saw or announced it): look again one poll after
      // the first sight.
      long first = seen.values().stream().mapToLong(Orphan::firstSeenNanos).min().orElse(now);
      tickAfter(Math.max(0, first + pollInterval.toNanos() - clock.nanoTime()));
    }
  }

  private boolean takeOrphaned(LeaseSeat seat, Orphan orphan) throws SQLException {
    Optional<LeaseStore.Lease> lease =
        store.takeOrphaned(seat.service, replicaId, leaseMillis, orphan.owner, orphan.fencingToken);
    if (lease.isEmpty()) {
      return false;
    }
    if (!seat.holdAfterCrash(lease.get(), orphan.firstSeenNanos)) {
      store.release(seat.service, replicaId, lease.get().fencingToken(), null, 0);
      return false;
    }
    LOG.info(
        "Replica {} took the lease of {} from replica {}, whose database session ended",
        replicaId,
        seat.service,
        orphan.owner);
    seat.askAgainIfNewlyHeld();
    return true;
  }

  private boolean acquire(LeaseSeat seat, boolean takeReserved) throws SQLException {
    Optional<LeaseStore.Lease> lease =
        store.acquire(seat.service, replicaId, leaseMillis, takeReserved);
    if (lease.isEmpty()) {
      return false;
    }
    if (!seat.hold(lease.get())) {
      store.release(seat.service, replicaId, lease.get().fencingToken(), null, 0);
      return false;
    }
    LOG.debug(
        "Replica {} took the lease of {} with fencing token {}",
        replicaId,
        seat.service,
        lease.get().fencingToken());
    seat.askAgainIfNewlyHeld();
    return true;
  }

  /**
   * Records the starts that services wait to make off their recorded schedule (see {@link
   * LeaseSeat#permit()}) as made now, then lets the services ask again; and the first starts made
   * under holds whose start the database does not have yet, as made.
   */
  private void recordStartsToMake() throws SQLException {
    if (!startsToRecord) {
      return;
    }
    startsToRecord = false;
    Map<String, Long> starts = new HashMap<>();
    List<LeaseSeat> waiting = new ArrayList<>();
    Map<LeaseSeat, Long> made = new HashMap<>();
    long now = clock.nanoTime();
    for (LeaseSeat seat : seats.values()) {
      if (seat.waitsForStartRecord()) {
        starts.put(seat.service, now);
        waiting.add(seat);
      } else {
        seat.unrecordedFirstStart()
            .ifPresent(
                start -> {
                  starts.put(seat.service, start);
                  made.put(seat, start);
                });
      }
    }
    if (!starts.isEmpty()) {
      store.renew(replicaId, leaseMillis, starts);
      waiting.forEach(LeaseSeat::startRecorded);
      made.forEach(LeaseSeat::startReported);
    }
  }

  /**
   * Records the fires that calendar services wait to run (see {@link LeaseSeat#permit(Instant)}),
   * then lets each service ask again.
   */
  private void recordFires() throws SQLException {
    if (!firesToRecord) {
      return;
    }
    firesToRecord = false;
    for (LeaseSeat seat : seats.values()) {
      Optional<LeaseSeat.FireRecord> fire = seat.fireToRecord();
      if (fire.isPresent()) {
        LeaseSeat.FireRecord f = fire.get();
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
    for (LeaseSeat seat : seats.values()) {
      Optional<LeaseSeat.Release> release = seat.releaseIfIdle();
      if (release.isPresent()) {
        store.release(
            seat.service,
            replicaId,
            release.get().fencingToken(),
            release.get().startNanos(),
            reserveMillis);
        LOG.info(
            "Replica {} handed over the lease of {} (fencing token {}) for the balance",
            replicaId,
            seat.service,
            release.get().fencingToken());
      }
    }
  }

  /** An extra round of the background thread {@code delayNanos} from now on the clock. */
  private void tickAfter(long delayNanos) {
    clock.schedule(clock.nanoTime() + delayNanos, wake);
  }

  /** A lease seen held by a replica whose session had ended, and when it was first seen so. */
  private record Orphan(String owner, long fencingToken, long firstSeenNanos) {
    boolean isSame(LeaseStore.Lease lease) {
      return owner.equals(lease.owner()) && fencingToken == lease.fencingToken();
    }
  }
}
