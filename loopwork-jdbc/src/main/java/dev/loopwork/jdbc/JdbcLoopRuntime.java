package dev.loopwork.jdbc;

import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import dev.loopwork.internal.DurationFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs loop services against one {@link Database}, on every replica of an application at once:
 * hands the database to every {@link JdbcLoopService} before its {@code onStart}, runs each service
 * on exactly one replica at a time (a {@link LeaseCoordinator}), records every iteration in the run
 * journal and prunes it (a built-in service, {@code loopwork-journal-pruner}). Creates Loopwork's
 * tables on first use.
 *
 * <pre>{@code
 * try (Database database = Database.builder().url(url).user(user).password(password).build();
 *      JdbcLoopRuntime runtime = JdbcLoopRuntime.builder(database).build()) {
 *   runtime.runAll(List.of(new DeleteOldRows(), new ExpireSessions()));   // until SIGTERM
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the pruner, releases the leases and writes the rest of the
 * journal; it does not close the database, which the caller owns.
 */
public final class JdbcLoopRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcLoopRuntime.class);

  /** How long journal entries are kept by default: 7 days. */
  public static final Duration DEFAULT_JOURNAL_RETENTION = Duration.ofDays(7);

  /** How long {@link #close()} waits at most for the services it stops, by default. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** How often the journal is pruned by default: every hour. */
  public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofHours(1);

  private final Database database;
  private final LeaseCoordinator coordinator;
  private final RunJournal journal;
  private final LoopEngine engine;
  private final DatabaseHealth health;
  private final List<LoopHandle> started = new ArrayList<>();
  private final Duration closeTimeout;
  private volatile boolean closed;

  private JdbcLoopRuntime(Builder builder) {
    this.database = builder.database;
    this.closeTimeout = builder.closeTimeout;
    LoopworkSchema.create(database);
    this.health = new DatabaseHealth(database);
    LoopEngine.Builder engineBuilder =
        builder.engine != null ? builder.engine : LoopEngine.builder();
    LeaseCoordinator.Builder leases =
        LeaseCoordinator.builder(database)
            .leaseTtl(builder.leaseTtl)
            .pollInterval(builder.pollInterval)
            .clock(engineBuilder.clock());
    if (builder.replicaId != null) {
      leases.replicaId(builder.replicaId);
    }
    this.coordinator = builder.coordinated ? leases.build(health) : null;
    if (coordinator != null) {
      engineBuilder.coordinator(decorated(coordinator, builder.coordinatorDecorator));
    }
    String replicaId = coordinator != null ? coordinator.replicaId() : "uncoordinated";
    this.journal = builder.journal ? new RunJournal(database, health, replicaId) : null;
    if (journal != null) {
      engineBuilder.listener(journal);
    }
    this.engine = engineBuilder.build();
    if (builder.journal) {
      start(new JournalPruner(builder.retention, builder.pruneInterval, engine.clock()));
    }
  }

  /**
   * {@code leases} as the decorator wraps it; closes them if the decorator fails, as the runtime
   * will not.
   */
  private static LoopCoordinator decorated(
      LeaseCoordinator leases, UnaryOperator<LoopCoordinator> decorator) {
    if (decorator == null) {
      return leases;
    }
    try {
      return Objects.requireNonNull(
          decorator.apply(leases), "the coordinator decorator returned null");
    } catch (RuntimeException e) {
      leases.close();
      throw e;
    }
  }

  /** A builder for a runtime on {@code database}. */
  public static Builder builder(Database database) {
    return new Builder(database);
  }

  /** The database that services of this runtime work on. */
  public Database database() {
    return database;
  }

  /** The engine that runs this runtime's services. */
  public LoopEngine engine() {
    return engine;
  }

  /** This replica's id in Loopwork's tables. */
  public String replicaId() {
    return coordinator != null ? coordinator.replicaId() : "uncoordinated";
  }

  /** How many services this replica holds the lease of now (0 when not coordinated). */
  public int heldLeases() {
    return coordinator != null ? coordinator.heldLeases() : 0;
  }

  /** Whether this replica holds the lease of {@code service} now ({@code false} uncoordinated). */
  public boolean holdsLease(String service) {
    return coordinator != null && coordinator.holdsLease(service);
  }

  /**
   * Whether this replica runs the iterations of {@code service} now: {@code false} only for a
   * coordinated service whose lease another replica holds (this one is on standby for it).
   */
  public boolean runsHere(String service) {
    return coordinator == null || coordinator.runsHere(service);
  }

  /**
   * Whether Loopwork's last statement in the database worked. While it is {@code false},
   * coordinated services skip their iterations. Handy for a readiness probe.
   */
  public boolean isDatabaseReachable() {
    return health.isUp();
  }

  /**
   * Starts {@code service} without blocking, after handing it the database if it is a {@link
   * JdbcLoopService}.
   *
   * @throws IllegalStateException if the service is already running, belongs to another database,
   *     or the runtime is closed
   */
  public LoopHandle start(LoopService service) {
    LoopHandle handle = engine.start(bind(service));
    synchronized (started) {
      started.removeIf(LoopHandle::isDone);
      started.add(handle);
    }
    return handle;
  }

  /**
   * Runs all {@code services} until they end, e.g. on SIGTERM; see {@link
   * LoopEngine#runAll(Collection)}.
   *
   * @throws IllegalArgumentException if the collection is empty or holds the same service twice
   * @throws IllegalStateException if one of the services is already running, or the runtime is
   *     closed
   */
  public void runAll(Collection<? extends LoopService> services) throws InterruptedException {
    List<LoopService> all = new ArrayList<>(services.size());
    for (LoopService service : services) {
      all.add(bind(service));
    }
    engine.runAll(all);
  }

  private LoopService bind(LoopService service) {
    Objects.requireNonNull(service, "service");
    if (closed) {
      throw new IllegalStateException(
          "JdbcLoopRuntime on " + database + " is closed; cannot start " + service.name());
    }
    if (service instanceof JdbcLoopService) {
      ((JdbcLoopService) service).bind(database);
    }
    return service;
  }

  /**
   * Stops the services started with {@link #start} (waiting for them at most the {@linkplain
   * Builder#closeTimeout close timeout} in all), releases the leases and writes the rest of the
   * journal. A lease whose iteration still runs is never released: it stays with this replica,
   * unrenewed, until that iteration ends (or expires after its TTL), so that no other replica runs
   * the service meanwhile. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<LoopHandle> running;
    synchronized (started) {
      running = new ArrayList<>(started);
    }
    running.forEach(LoopHandle::stop);
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    for (LoopHandle handle : running) {
      awaitStopped(handle, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    if (coordinator != null) {
      coordinator.close();
    }
    if (journal != null) {
      journal.close();
    }
  }

  private void awaitStopped(LoopHandle handle, Duration timeout) {
    try {
      if (!handle.await(timeout) && !closeTimeout.isZero()) {
        LOG.warn(
            "Loop service {} did not stop within {} of closing the runtime; its iteration goes on until it "
                + "returns, and its lease stays with this replica until then",
            handle.service().name(),
            DurationFormat.seconds(closeTimeout));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      // The service's own failure was logged when it ended.
    }
  }

  /** Builds a {@link JdbcLoopRuntime}. */
  public static final class Builder {
    private final Database database;
    private LoopEngine.Builder engine;
    private boolean coordinated = true;
    private boolean journal = true;
    private Duration leaseTtl = LeaseCoordinator.DEFAULT_LEASE_TTL;
    private Duration pollInterval = LeaseCoordinator.DEFAULT_POLL_INTERVAL;
    private String replicaId;
    private UnaryOperator<LoopCoordinator> coordinatorDecorator;
    private Duration retention = DEFAULT_JOURNAL_RETENTION;
    private Duration pruneInterval = DEFAULT_PRUNE_INTERVAL;
    private Duration closeTimeout = CLOSE_TIMEOUT;

    private Builder(Database database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * The engine settings to start from (clock, executor, listeners); the runtime adds its
     * coordinator and its journal to them, and times the leases on the same clock. Default: {@link
     * LoopEngine#builder()}.
     */
    public Builder engine(LoopEngine.Builder engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Whether each service runs on exactly one replica at a time (default {@code true}). Turn it
     * off for an application that only ever runs as one process.
     */
    public Builder coordinated(boolean coordinated) {
      this.coordinated = coordinated;
      return this;
    }

    /** The lease time-to-live; see {@link LeaseCoordinator.Builder#leaseTtl}. */
    public Builder leaseTtl(Duration leaseTtl) {
      LeaseCoordinator.builder(database).leaseTtl(leaseTtl);
      this.leaseTtl = leaseTtl;
      return this;
    }

    /** How often to look for free leases; see {@link LeaseCoordinator.Builder#pollInterval}. */
    public Builder pollInterval(Duration pollInterval) {
      LeaseCoordinator.builder(database).pollInterval(pollInterval);
      this.pollInterval = pollInterval;
      return this;
    }

    /** This replica's id; see {@link LeaseCoordinator.Builder#replicaId}. */
    public Builder replicaId(String replicaId) {
      LeaseCoordinator.builder(database).replicaId(replicaId);
      this.replicaId = replicaId;
      return this;
    }

    /**
     * Wraps the runtime's lease coordinator before the engine gets it, for an application that adds
     * rules of its own (pauses, services on every replica) around the leases. The journal still
     * records this replica's id and the lease's fencing token with every iteration. Decorators are
     * applied once, by {@link #build()}, each around the ones set before it, and must hand the
     * leases' answers on for the services they leave to them. Needs {@link #coordinated} on.
     *
     * <pre>{@code
     * JdbcLoopRuntime.builder(database).decorateCoordinator(leases -> new PausingCoordinator(leases)).build();
     * }</pre>
     */
    public Builder decorateCoordinator(UnaryOperator<LoopCoordinator> decorator) {
      Objects.requireNonNull(decorator, "decorator");
      UnaryOperator<LoopCoordinator> before = coordinatorDecorator;
      this.coordinatorDecorator =
          before == null ? decorator : leases -> decorator.apply(before.apply(leases));
      return this;
    }

    /** Whether to record every iteration in the run journal and prune it (default {@code true}). */
    public Builder journal(boolean journal) {
      this.journal = journal;
      return this;
    }

    /**
     * How long journal entries are kept (default 7 days).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder journalRetention(Duration retention) {
      this.retention = positive("journalRetention", retention);
      return this;
    }

    /**
     * How often the journal is pruned (default every hour).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pruneInterval(Duration pruneInterval) {
      this.pruneInterval = positive("pruneInterval", pruneInterval);
      return this;
    }

    /**
     * How long {@link JdbcLoopRuntime#close()} waits for the running iterations to end, in all
     * (default {@link #CLOSE_TIMEOUT}); zero when the caller has waited for its services already
     * and only the leases and the journal remain.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder closeTimeout(Duration closeTimeout) {
      Objects.requireNonNull(closeTimeout, "closeTimeout");
      if (closeTimeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative: " + closeTimeout);
      }
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * Creates Loopwork's tables if needed and starts the runtime (its coordinator, journal and
     * pruner).
     *
     * @throws DatabaseException if the tables cannot be created
     * @throws IllegalStateException if a coordinator decorator is set on a runtime that is not
     *     coordinated
     */
    public JdbcLoopRuntime build() {
      if (!coordinated && coordinatorDecorator != null) {
        throw new IllegalStateException(
            "decorateCoordinator needs coordinated(true): an uncoordinated runtime has "
                + "no lease coordinator to decorate");
      }
      return new JdbcLoopRuntime(this);
    }

    private static Duration positive(String field, Duration value) {
      Objects.requireNonNull(value, field);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(field + " must be positive: " + value);
      }
      return value;
    }
  }
}
