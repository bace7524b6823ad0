package dev.loopwork.jdbc;

import dev.loopwork.LoopClock;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import dev.loopwork.internal.DaemonThreads;
import dev.loopwork.internal.DurationFormat;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
  private final SessionKeeper session;
  private final LeaseRounds rounds;
  private final ConcurrentMap<String, LeaseSeat> seats = new ConcurrentHashMap<>();
  private final SeatCoordinator seatCoordinator = new SeatCoordinator();
  private volatile boolean databaseAnswers = true;
  private volatile long lastAnswerNanos;
  private volatile boolean closed;

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
        new LeaseStore(
            builder.database,
            (int) Math.max(1, builder.leaseTtl.toSeconds() / 3),
            builder.clock::nanoTime);
    this.ticker = Executors.newSingleThreadExecutor(DaemonThreads.named("loopwork-leases"));
    this.nextRound = clock.newTimer(this::wakeTicker);
    this.session =
        new SessionKeeper(database, health, replicaId, pollInterval, new SessionEvents());
    this.rounds =
        new LeaseRounds(
            store,
            replicaId,
            host,
            leaseMillis,
            renewNanos,
            pollInterval,
            clock,
            seats,
            session,
            this::wakeTicker,
            this::retargetPeerWatch);
    wakeTicker();
    if (database.dialect().hasSessionLocks()) {
      DaemonThreads.named("loopwork-session").newThread(session).start();
      peerWatch =
          new PeerWatch(
              database, store, replicaId, pollInterval.toNanos(), rounds::watchedReplicaGone);
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
    return rounds.heldLeases();
  }

  /** Whether this replica holds the lease of {@code service} now. */
  public boolean holdsLease(String service) {
    LeaseSeat seat = seats.get(service);
    return seat != null && seat.isHeld();
  }

  /**
   * Whether this replica runs the iterations of {@code service} now: it holds its lease, or the
   * service is not one that this coordinator coordinates.
   */
  public boolean runsHere(String service) {
    LeaseSeat seat = seats.get(service);
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
    LeaseSeat seat =
        new LeaseSeat(
            service.name(),
            loopInterval.toNanos(),
            service.options().jitter().toNanos(),
            askAgain,
            replicaId,
            clock,
            pollInterval,
            seatCoordinator);
    if (seats.putIfAbsent(seat.service, seat) != null) {
      throw new IllegalStateException(
          "A service named "
              + seat.service
              + " is already coordinated by replica "
              + replicaId
              + "; coordinated services need unique names");
    }
    rounds.requestFullSync();
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
    List<LeaseSeat> busy = seats.values().stream().filter(LeaseSeat::isInIteration).toList();
    seats.values().stream().filter(seat -> !busy.contains(seat)).forEach(LeaseSeat::leave);
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

  /** The number of live replicas changed: the watch looks again for the replica to watch. */
  private void retargetPeerWatch() {
    if (peerWatch != null) {
      peerWatch.retarget();
    }
  }

  /**
   * A transaction of an iteration of {@code seat} lost its connection: one WARN per outage (shared
   * with the statements of this coordinator that fail in it), the iteration is interrupted as if
   * the session had been lost, so it is logged as such and not as an error of the service, and the
   * pool's connections, likely ended too, go.
   */
  private void iterationLostConnection(LeaseSeat seat, SQLException cause) {
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

  /**
   * One round of the background thread: a full renewal when due, otherwise a look for free leases.
   */
  private void tick() {
    long tickStart = clock.nanoTime();
    try {
      rounds.run();
      databaseAnswers = true;
      lastAnswerNanos = tickStart;
      health.succeeded();
      seats.values().forEach(LeaseSeat::askAgainIfNewlyHeld);
    } catch (SQLException | RuntimeException e) {
      databaseAnswers = false;
      health.failed("renew the leases of replica " + replicaId, e);
    } finally {
      if (!closed) {
        nextRound.schedule(clock.nanoTime() + pollInterval.toNanos());
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

  /** The coordinator as its seats see it. */
  private final class SeatCoordinator implements LeaseSeat.Coordinator {
    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean allowsStart(long validUntilNanos, long now) {
      return !closed
          && !session.isLost()
          && isInTouch(now)
          && validUntilNanos - marginNanos - now > 0;
    }

    @Override
    public void recordStartsSoon() {
      rounds.recordStartsSoon();
    }

    @Override
    public void recordFiresSoon() {
      rounds.recordFiresSoon();
    }

    @Override
    public void requestFullSync() {
      rounds.requestFullSync();
    }

    @Override
    public void fenceIteration(LeaseSeat seat, long token) {
      new IterationFence(
              database,
              store,
              seat.service,
              replicaId,
              token,
              new IterationFence.LossListener() {
                @Override
                public void leaseLost(String reason) {
                  seat.lostUnder(token, reason);
                }

                @Override
                public void connectionLost(SQLException cause) {
                  iterationLostConnection(seat, cause);
                }
              })
          .enter();
    }

    @Override
    public void left(LeaseSeat seat, LeaseSeat.Release release) {
      seats.remove(seat.service, seat);
      if (release != null) {
        try {
          if (seats.isEmpty()) {
            store.releaseAndLeave(
                seat.service, replicaId, release.fencingToken(), release.startNanos());
          } else {
            store.release(seat.service, replicaId, release.fencingToken(), release.startNanos(), 0);
          }
          LOG.info(
              "Replica {} released the lease of {} (fencing token {})",
              replicaId,
              seat.service,
              release.fencingToken());
        } catch (SQLException e) {
          health.failed("release the lease of " + seat.service, e);
        }
      }
      if (seats.isEmpty()) {
        wakeTicker();
      }
    }
  }

  /** The coordinator as its session thread sees it. */
  private final class SessionEvents implements SessionKeeper.Listener {
    @Override
    public boolean needsSession() {
      return !closed || !seats.isEmpty();
    }

    @Override
    public void sessionHeld() {
      rounds.requestFullSync();
      wakeTicker();
    }

    @Override
    public void announcementArrived() {
      wakeTicker();
    }

    @Override
    public void sessionLost() {
      seats.values().forEach(LeaseSeat::revokeRunning);
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
