package dev.loopwork.spring.boot;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.JdbcLoopService;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.RunOnceGate;
import dev.loopwork.jdbc.ServiceControls;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where the application's loop services run: with a {@link Database}, exclusive services run under
 * leases in it (one replica at a time, with a run journal) and every-replica services run on their
 * own; without one, every service runs uncoordinated. Built by the auto-configuration; declare your
 * own bean of this type to replace it.
 *
 * <p>Thread-safe. {@link #close()} releases the leases and writes the rest of the journal; it does
 * not close the database.
 */
public final class LoopworkRuntime implements AutoCloseable {
  private final Database database;
  private final JdbcLoopRuntime exclusive;
  private final JdbcLoopRuntime everyReplica;
  private final LoopEngine local;
  private final Duration leaseTtl;
  private final LeaseTable leases;
  private final ServiceControls controls;
  private final RunHistory journal;
  private final RunOnceGate requests;

  private LoopworkRuntime(
      Database database,
      JdbcLoopRuntime exclusive,
      RunOnceGate requests,
      JdbcLoopRuntime everyReplica,
      LoopEngine local,
      Duration leaseTtl) {
    this.database = database;
    this.requests = requests;
    this.exclusive = exclusive;
    this.everyReplica = everyReplica;
    this.local = local;
    this.leaseTtl = leaseTtl;
    this.leases = database == null ? null : new LeaseTable(database);
    this.controls = database == null ? null : ServiceControls.of(database, replicaId());
    this.journal = database == null ? null : RunHistory.of(database);
  }

  /**
   * A runtime without a database: every service runs uncoordinated on an engine built by {@code
   * engine}.
   */
  public static LoopworkRuntime uncoordinated(LoopEngine.Builder engine) {
    return new LoopworkRuntime(null, null, null, null, engine.build(), null);
  }

  /**
   * A runtime on {@code database}: exclusive services run on {@code runtime} (which must be
   * coordinated), every-replica services on a second, uncoordinated runtime on the same database
   * with an engine from {@code engines}.
   *
   * @param runtime the builder of the coordinated runtime, with its engine already set
   * @param engines makes a fresh engine builder for the every-replica runtime
   * @param leaseTtl the lease time-to-live that {@code runtime} was given, which health checks
   *     compare against
   */
  public static LoopworkRuntime coordinated(
      Database database,
      JdbcLoopRuntime.Builder runtime,
      Supplier<LoopEngine.Builder> engines,
      Duration leaseTtl) {
    Objects.requireNonNull(database, "database");
    RunOnceGate[] requests = new RunOnceGate[1];
    JdbcLoopRuntime exclusive =
        runtime.decorateCoordinator(leases -> requests[0] = new RunOnceGate(leases)).build();
    JdbcLoopRuntime everyReplica;
    try {
      everyReplica =
          JdbcLoopRuntime.builder(database)
              .engine(engines.get())
              .coordinated(false)
              .journal(false)
              .build();
    } catch (RuntimeException e) {
      exclusive.close();
      throw e;
    }
    return new LoopworkRuntime(
        database,
        exclusive,
        requests[0],
        everyReplica,
        null,
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

  /** This replica's id in the lease table, or {@code "uncoordinated"}. */
  public String replicaId() {
    return exclusive != null ? exclusive.replicaId() : "uncoordinated";
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
    return (coordination == Coordination.EXCLUSIVE ? exclusive : everyReplica).start(service);
  }

  /**
   * Asks the running exclusive {@code service} for one extra iteration under its lease, which takes
   * the run-once request with {@code claim} only once it has its permit (see {@link
   * RunOnceGate#runNow}). Returns whether the service runs here.
   */
  boolean runNowClaimedAtGrant(LoopService service, BooleanSupplier claim) {
    return requests != null && requests.runNow(service, claim);
  }

  /**
   * Runs one iteration of {@code service} now, here, outside the lease: an operator's explicit
   * request. A {@link JdbcLoopService} must have been started by this runtime before, which handed
   * it the database.
   *
   * @throws IllegalStateException if the service is running
   */
  public LoopHandle runOnce(LoopService service) {
    if (database == null) {
      requireNoDatabaseNeeded(service, Coordination.EVERY_REPLICA);
      return local.start(service, 1);
    }
    return everyReplica.engine().start(service, 1);
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
    return Optional.ofNullable(controls);
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

  /** Releases every lease and writes the rest of the journal. Idempotent. */
  @Override
  public void close() {
    if (exclusive != null) {
      exclusive.close();
      everyReplica.close();
    }
  }
}
