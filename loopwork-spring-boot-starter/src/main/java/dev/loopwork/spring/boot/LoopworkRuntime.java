package dev.loopwork.spring.boot;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.ControlSync;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.FleetGate;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.JdbcLoopService;
import dev.loopwork.jdbc.LastSuccesses;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.ServiceControls;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the application's loop services run: with a {@link Database}, on one {@link
 * JdbcLoopRuntime} in it, exclusive services under leases (one replica at a time, journaled) and
 * every-replica services on every replica; without one, every service runs uncoordinated. In both,
 * loopwork-jdbc's {@link FleetGate} stands in front of the services: an operator's pause holds a
 * service's iterations back and a run-once runs one extra iteration, as in the {@code loopwork}
 * host; with a database a {@link ControlSync} applies the controls that every replica shares. Built
 * by the auto-configuration; declare your own bean of this type to replace it.
 *
 * <p>Thread-safe. {@link #close()} stops the control sync, releases the leases and writes the rest
 * of the journal; it does not close the database.
 */
public final class LoopworkRuntime implements AutoCloseable {
  private final Database database;
  private final JdbcLoopRuntime coordinated;
  private final LoopEngine local;
  private final LoopEngine oneShots;
  private final FleetGate gate;
  private final ControlSync sync;
  private final Duration leaseTtl;
  private final LeaseTable leases;
  private final RunHistory journal;
  private final LastSuccesses lastSuccesses;

  private LoopworkRuntime(
      JdbcLoopRuntime coordinated,
      FleetGate gate,
      LoopEngine local,
      LoopEngine oneShots,
      Duration leaseTtl) {
    this.coordinated = coordinated;
    this.database = coordinated == null ? null : coordinated.database();
    this.gate = gate;
    this.local = local;
    this.oneShots = oneShots;
    this.leaseTtl = leaseTtl;
    this.sync = coordinated == null ? null : new ControlSync(coordinated, gate, () -> {});
    this.leases = database == null ? null : new LeaseTable(database);
    this.journal = database == null ? null : RunHistory.of(database);
    this.lastSuccesses = database == null ? null : LastSuccesses.of(database);
  }

  /**
   * A runtime without a database: every service runs uncoordinated on an engine built by {@code
   * engine}, behind a {@link FleetGate} of this instance's own.
   */
  public static LoopworkRuntime uncoordinated(LoopEngine.Builder engine) {
    FleetGate gate = FleetGate.withoutLeases();
    LoopEngine oneShots = engine.build();
    return new LoopworkRuntime(null, gate, engine.coordinator(gate).build(), oneShots, null);
  }

  /**
   * A runtime on {@code database}: exclusive services run under leases on {@code runtime} (which
   * must be coordinated), every-replica services on the same runtime without a lease.
   *
   * @param runtime the builder of the coordinated runtime, with its engine already set
   * @param engines makes a fresh engine builder, for single iterations requested by an operator
   *     while a service is not running here
   * @param leaseTtl the lease time-to-live that {@code runtime} was given, which health checks
   *     compare against
   */
  public static LoopworkRuntime coordinated(
      Database database,
      JdbcLoopRuntime.Builder runtime,
      Supplier<LoopEngine.Builder> engines,
      Duration leaseTtl) {
    Objects.requireNonNull(database, "database");
    FleetGate[] gate = new FleetGate[1];
    JdbcLoopRuntime coordinated =
        runtime.decorateCoordinator(leases -> gate[0] = new FleetGate(leases)).build();
    return new LoopworkRuntime(
        coordinated,
        gate[0],
        null,
        engines.get().build(),
        Objects.requireNonNull(leaseTtl, "leaseTtl"));
  }

  /** Whether services can be exclusive, i.e. the runtime has a database. */
  public boolean isCoordinated() {
    return database != null;
  }

  /** The lease time-to-live, or empty without a database. */
  public Optional<Duration> leaseTtl() {
    return Optional.ofNullable(leaseTtl);
  }

  /**
   * Whether this instance runs the iterations of {@code service} now: {@code false} for an
   * exclusive service whose lease another instance holds (this one is on standby for it).
   */
  public boolean runsHere(String service) {
    return coordinated == null || coordinated.runsHere(service);
  }

  /** Whether this instance holds the lease of {@code service} now. */
  public boolean holdsLease(String service) {
    return coordinated != null && coordinated.holdsLease(service);
  }

  /**
   * How long ago {@code service} last succeeded on any instance, from the run journal (cached for
   * {@link LastSuccesses#REFRESH_PERIOD}); empty without a database or before any success.
   */
  public Optional<Duration> timeSinceLastSuccess(String service) {
    return lastSuccesses == null ? Optional.empty() : lastSuccesses.timeSince(service);
  }

  /** This replica's id in the lease table, or {@code "uncoordinated"}. */
  public String replicaId() {
    return coordinated != null ? coordinated.replicaId() : "uncoordinated";
  }

  /**
   * Starts {@code service} without blocking, exclusive or on every replica.
   *
   * @throws IllegalStateException if the service is already running, or is exclusive or a {@link
   *     JdbcLoopService} while the runtime has no database
   */
  public LoopHandle start(LoopService service, Coordination coordination) {
    if (database == null) {
      requireNoDatabaseNeeded(service, coordination);
      return local.start(service);
    }
    if (coordination == Coordination.EVERY_REPLICA) {
      gate.runOnEveryReplica(service.name());
    }
    return coordinated.start(service);
  }

  /**
   * Runs one iteration of {@code service} now, here, outside its schedule and lease: an operator's
   * request while the service does not run here. A {@link JdbcLoopService} must have been started
   * by this runtime before, which handed it the database.
   *
   * @throws IllegalStateException if the service is running
   */
  public LoopHandle runOnce(LoopService service) {
    if (database == null) {
      requireNoDatabaseNeeded(service, Coordination.EVERY_REPLICA);
    }
    return oneShots.start(service, 1);
  }

  /** The gate in front of the services: pause, resume and run-once act on it. */
  FleetGate gate() {
    return gate;
  }

  /** The sync of the shared controls; empty without a database. */
  Optional<ControlSync> sync() {
    return Optional.ofNullable(sync);
  }

  /** Who holds each exclusive service's lease now, by service name; empty without a database. */
  Map<String, LeaseTable.Lease> leases() {
    return leases == null ? Map.of() : leases.read();
  }

  /**
   * The pause flags and run-once requests shared by every instance on the database; empty without a
   * database.
   */
  Optional<ServiceControls> controls() {
    return sync().map(ControlSync::controls);
  }

  /**
   * The latest journaled iteration of each of {@code services}, wherever it ran; empty without a
   * database.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the journal cannot be read
   */
  Map<String, RunHistory.Run> lastRuns(Collection<String> services) {
    return journal == null ? Map.of() : journal.last(services);
  }

  private static void requireNoDatabaseNeeded(LoopService service, Coordination coordination) {
    if (service instanceof JdbcLoopService) {
      throw new IllegalStateException(
          "Loop service "
              + service.name()
              + " is a JdbcLoopService, which needs the "
              + "application's DataSource; none is configured");
    }
    if (coordination == Coordination.EXCLUSIVE) {
      throw new IllegalStateException(
          "Loop service "
              + service.name()
              + " is configured with coordination "
              + "exclusive, which needs the application's DataSource; none is configured");
    }
  }

  /**
   * Stops the control sync, releases every lease and writes the rest of the journal. Idempotent.
   */
  @Override
  public void close() {
    if (coordinated != null) {
      sync.close();
      coordinated.close();
    }
  }
}
