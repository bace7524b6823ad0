package dev.loopwork.jdbc;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopClock;
import dev.loopwork.LoopCoordinator;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's lease as the replica of a {@link LeaseCoordinator} sees it. Its state is guarded by
 * its monitor.
 *
 * <p>Its starts stay on the schedule the database knows, so that a replica taking over after a
 * crash of this one keeps it too: a start off that schedule (the first under a hold made later than
 * the slot the hold began at; or one after a deferral or an overrun moved the service's schedule)
 * is recorded before it is made.
 */
final class LeaseSeat implements LoopCoordinator.Membership {
  // Logs as the coordinator, whose lines operators read and filter by its name.
  private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

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

  /** What a seat asks of the coordinator it belongs to. */
  interface Coordinator {
    /** Whether the coordinator is closed: from then on, no lease comes to a seat any more. */
    boolean isClosed();

    /**
     * Whether an iteration may start at {@code now} (nano time) as far as the replica goes, under a
     * lease valid until {@code validUntilNanos}: the coordinator is not closed, its database
     * session is not lost, the database answered lately, and the lease is valid for longer than the
     * margin.
     */
    boolean allowsStart(long validUntilNanos, long now);

    /**
     * Has the background thread record soon, as made now, the starts that seats wait to make
     * ({@link LeaseSeat#waitsForStartRecord()}), and tell each seat ({@link
     * LeaseSeat#startRecorded()}); and, as made, the first starts of holds that the database has no
     * start of ({@link LeaseSeat#unrecordedFirstStart()}, then {@link LeaseSeat#startReported}).
     */
    void recordStartsSoon();

    /**
     * Has the background thread record soon the fires that seats wait to run ({@link
     * LeaseSeat#fireToRecord()}), and tell each seat ({@link LeaseSeat#fireRecorded}).
     */
    void recordFiresSoon();

    /**
     * Has the next round renew all leases and compare them with the database (it does not wake the
     * background thread).
     */
    void requestFullSync();

    /**
     * Sets the fence of the iteration that the calling thread starts under {@code token}: its
     * fenced transactions commit only while the lease is still this replica's under that token; a
     * transaction that finds the lease gone tells {@code seat} ({@link LeaseSeat#lostUnder}), and
     * one that loses its connection interrupts the iteration.
     */
    void fenceIteration(LeaseSeat seat, long token);

    /**
     * {@code seat}'s service has left: it is no longer coordinated, and {@code release} (null: the
     * lease was not held) is released; the last seat to leave removes the replica too.
     */
    void left(LeaseSeat seat, Release release);
  }

  /**
   * A hold ended to give the lease up: its fencing token, and when (nano time) was the start that
   * the next owner continues from (see {@link #continuedStart}).
   */
  record Release(long fencingToken, Long startNanos) {}

  /** A calendar fire (epoch milliseconds) to record as started under a fencing token. */
  record FireRecord(long fencingToken, Long fireMillis) {}

  final String service;
  private final long intervalNanos;
  private final long jitterNanos;
  private final Runnable askAgain;
  private final String replicaId;
  private final LoopClock clock;
  private final Duration pollInterval;
  private final Coordinator coordinator;
  // Whether the lease's row is known to exist; read and written by the coordinator's rounds.
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

  /**
   * A seat for {@code service}, started every {@code intervalNanos} give or take {@code
   * jitterNanos}, on replica {@code replicaId}; {@code askAgain} has the service ask for a permit
   * at once.
   */
  LeaseSeat(
      String service,
      long intervalNanos,
      long jitterNanos,
      Runnable askAgain,
      String replicaId,
      LoopClock clock,
      Duration pollInterval,
      Coordinator coordinator) {
    this.service = service;
    this.intervalNanos = intervalNanos;
    this.jitterNanos = jitterNanos;
    this.askAgain = askAgain;
    this.replicaId = replicaId;
    this.clock = clock;
    this.pollInterval = pollInterval;
    this.coordinator = coordinator;
  }

  /**
   * Has the service ask for a permit at once if its hold began in this round, so that it starts at
   * its next slot (the permit defers it until then) rather than at its next ask, up to a poll later
   * and off its schedule. Called the moment a lease is taken, not after the round's other
   * statements (taking more leases, say), which may take longer than the time left to the slot.
   */
  void askAgainIfNewlyHeld() {
    boolean ask;
    synchronized (this) {
      ask = newlyHeld && synced;
      newlyHeld &= !ask; // not yet synced: asked at the end of the full renewal that syncs it
    }
    if (ask) {
      askAgain.run();
    }
  }

  @Override
  public synchronized IterationPermit permit() {
    return permit(false);
  }

  /**
   * As {@link #permit()}, but a new hold does not wait for its first slot: the iteration was asked
   * for now (a run-once), and the run-once request is claimed once across the replicas.
   */
  @Override
  public synchronized IterationPermit permitRequested() {
    return permit(true);
  }

  private IterationPermit permit(boolean requested) {
    long now = clock.nanoTime();
    IterationPermit refusal = refusal(now);
    if (refusal != null) {
      return refusal;
    }
    if (!requested && notBeforeNanos - now > 0) {
      return IterationPermit.deferred(Duration.ofNanos(notBeforeNanos - now));
    }
    if (!recordedStartNext && leavesRecordedSchedule(now)) {
      // Record it before making it, so that a replica taking over after a crash of this one knows
      // the new schedule; asked again once recorded.
      startRecordPending = true;
      coordinator.recordStartsSoon();
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
    if (!synced || !held || releasing || !coordinator.allowsStart(validUntilNanos, now)) {
      // Ask again within a poll: the lease may come here at any moment, and then its schedule goes
      // on.
      scheduleMoved |= held; // the service's schedule goes on from that later ask
      return IterationPermit.deferred(pollInterval);
    }
    newlyHeld = false; // this answer already counts from the hold
    return null;
  }

  /**
   * A calendar fire runs only once its record is in the row: a new owner then goes on after it,
   * whatever happens to this replica. So the first ask for a fire after the last recorded one
   * defers it while the background thread records it, and the ask that follows grants it; a fire at
   * or before the last recorded one started already (here, or on an earlier owner) and is denied. A
   * service that has not yet taken the last recorded fire of a new hold asks again at once, taking
   * it first.
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
    coordinator.recordFiresSoon();
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
   * The background thread tried to record {@code fire}: if the row took it, the service asks again
   * and its fire is granted; if not, the lease is not this replica's as it thought, and the next
   * full renewal says whose it is.
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
        coordinator.requestFullSync();
        return;
      }
      lastFireMillis = fire.fireMillis();
      recordedFireUngranted = true;
    }
    askAgain.run();
  }

  /** Grants the iteration due now, under this hold's fencing token and an iteration fence. */
  private IterationPermit grant(long now) {
    boolean firstInHold = !startedInHold();
    scheduleMoved = false;
    inIteration = true;
    started = true;
    lastStartNanos = now;
    running = IterationPermit.granted(fencingToken);
    coordinator.fenceIteration(this, fencingToken);
    if (firstInHold && !startRecordedInHold) {
      // The database may have no start of this schedule at all (a lease never run, or whose
      // starts were lost): recorded within a round rather than at the next renewal, so that a
      // replica taking over after a crash of this one soon knows the slots and keeps them.
      coordinator.recordStartsSoon();
    }
    return running;
  }

  /**
   * Whether a start now would leave the schedule the database knows: the first start under a hold
   * must come at the slot the hold began at, up to {@link #LATE_WAKE_NANOS} late (the lease came
   * after its slot otherwise); after the schedule may have moved (a deferral while held, an
   * overrun), a start must come a whole number of intervals after the latest recorded start, up to
   * {@link #LATE_WAKE_NANOS} late (each bound widened by the service's jitter). Other starts off it
   * are extra iterations ({@code runNow}), which leave the schedule as it is.
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
      release = held ? new Release(fencingToken, continuedStart()) : null;
      held = false;
    }
    coordinator.left(this, release);
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
   * left, in which case the caller releases it. A new hold waits until one interval after the last
   * recorded start, counted from when the statement that read the lease answered ({@link
   * LeaseStore.Lease#answeredNanos()}), not from the end of its transaction: on a busy machine the
   * round trips may take tens of milliseconds, and the service's schedule would move by as much at
   * each hand-over.
   */
  synchronized boolean hold(LeaseStore.Lease lease) {
    return hold(lease, null);
  }

  /**
   * As {@link #hold}, for a lease taken from a replica whose session was seen gone at {@code
   * ownerGoneNanos}. It records its starts only with its renewals, so it may have run later slots
   * of the recorded schedule than the recorded one, though none after it was gone: the new hold
   * waits for the first slot of that schedule after then, so that no slot runs twice; with no start
   * recorded, one interval after then.
   */
  synchronized boolean holdAfterCrash(LeaseStore.Lease lease, long ownerGoneNanos) {
    return hold(lease, (Long) ownerGoneNanos);
  }

  private boolean hold(LeaseStore.Lease lease, Long ownerGoneNanos) {
    long readNanos = lease.answeredNanos();
    if (left || coordinator.isClosed()) {
      return false;
    }
    if (!held || fencingToken != lease.fencingToken()) {
      Long since = lease.sinceLastStartMillis();
      long next;
      if (since == null) {
        // No start recorded: a dead owner may still have started one just before it was seen gone.
        next = ownerGoneNanos == null ? readNanos : ownerGoneNanos + intervalNanos;
      } else {
        next = readNanos + intervalNanos - since * 1_000_000L;
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
          ownerGoneNanos == null ? null : (readNanos - ownerGoneNanos) / 1_000_000,
          (next - readNanos) / 1_000_000);
      notBeforeNanos = next;
      gridNanos = next;
      recordedStartNext = false;
      fencingToken = lease.fencingToken();
      held = true;
      releasing = false;
      newlyHeld = true;
      holdBeganNanos = clock.nanoTime();
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
    validUntilNanos = lease.sentNanos() + lease.remainingMillis() * 1_000_000L;
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
  synchronized Optional<Release> releaseIfIdle() {
    if (!releasing || inIteration || !held) {
      return Optional.empty();
    }
    held = false;
    releasing = false;
    return Optional.of(new Release(fencingToken, continuedStart()));
  }

  /** The start (nano time) of the latest iteration if the database has not recorded it yet. */
  synchronized Optional<Long> unreportedStart() {
    return held && startedInHold() && lastStartNanos != reportedStartNanos
        ? Optional.of(lastStartNanos)
        : Optional.empty();
  }

  /** The first start made under this hold, if the database has no start of this hold yet. */
  synchronized Optional<Long> unrecordedFirstStart() {
    return held && startedInHold() && !startRecordedInHold && lastStartNanos != reportedStartNanos
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
      // The database has a later start now: never report an earlier one.
      reportedStartNanos = lastStartNanos;
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
   * When (nano time) was the start that the next owner continues from, recorded with a release: the
   * latest start under the current hold; before any, one interval before the slot the hold began
   * at, so that the next owner starts at that slot (after a crash, the first one the dead owner
   * cannot have run) and not at once; null for a service without an interval, whose row's record
   * then stands. A start of an earlier hold of this replica never counts: the replicas that held
   * the lease in between started later.
   */
  private Long continuedStart() {
    if (startedInHold()) {
      return lastStartNanos;
    }
    return intervalNanos > 0 ? gridNanos - intervalNanos : null;
  }

  private boolean startedInHold() {
    return started && lastStartNanos - holdBeganNanos >= 0;
  }
}
