package dev.loopwork.spring.boot;

import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.jdbc.JdbcLoopService;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.ServiceControls;
import dev.loopwork.jdbc.ServiceControls.Control;
import dev.loopwork.spring.boot.LoopworkProperties.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's loop services, run with the application's lifecycle: started once the context is refreshed
 * (after the web server, if any), stopped gracefully when it closes, with {@code loopwork.shutdown.timeout} for the
 * running iterations to finish. Also pauses, resumes and runs single services on an operator's request, and reports
 * their status.
 *
 * <p><b>With a DataSource</b>, an operator's request acts on every instance of the application that shares the
 * database, through loopwork-jdbc's {@link ServiceControls}, which every instance reads every {@link
 * #CONTROL_POLL_INTERVAL}: a paused service is stopped on every instance (so an exclusive one runs nowhere) and
 * started again on every instance where it is enabled when it is resumed; a run-once request is taken by exactly one
 * instance: the one that holds the lease of an exclusive service, any one that runs an every-replica service, or,
 * while the service is paused, any one where it is enabled (outside the lease). These are the semantics of {@code
 * loopwork services pause|resume|run-once} of the loopwork host, which shares the table. The last iteration in a
 * status is the latest one wherever it ran, read from the run journal (exclusive services are journaled). <b>Without
 * a DataSource</b>, every request acts on this instance only.
 *
 * <p>Thread-safe.
 */
public class LoopworkServices implements SmartLifecycle {
  /**
   * The lifecycle phase: later than the web server's start and graceful shutdown, so services start when the
   * application serves and stop before it stops serving.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  /** How often every instance reads the shared pause flags and run-once requests, with a DataSource. */
  public static final Duration CONTROL_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;
  private final Map<String, Managed> services;
  private final IterationHistory history = new IterationHistory();
  /** Held while shared flags are read and applied, so that a stale read never undoes an operator's newer request. */
  private final Object controlLock = new Object();
  /** Reads the shared controls, with a DataSource; null without one. */
  private final ControlPoller controlPoller;
  private volatile boolean running;

  /**
   * The given services, run on {@code runtime} with {@code properties}.
   *
   * @throws LoopworkConfigurationException if two services have names that differ only in case or punctuation,
   *     or a service is exclusive while the runtime has no database
   */
  public LoopworkServices(LoopworkRuntime runtime, LoopworkProperties properties,
      Collection<? extends LoopService> services) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.properties = Objects.requireNonNull(properties, "properties");
    this.services = new LinkedHashMap<>();
    this.controlPoller = runtime.controls()
        .map(controls -> new ControlPoller(CONTROL_POLL_INTERVAL, () -> syncControls(controls))).orElse(null);
    Map<String, String> relaxed = new LinkedHashMap<>();
    for (LoopService service : services) {
      String previous = relaxed.put(LoopworkProperties.relaxedName(service.name()), service.name());
      if (previous != null) {
        throw new LoopworkConfigurationException("Loop services \"" + previous + "\" and \"" + service.name()
            + "\" have the same name once case and punctuation are ignored, as loopwork.services.<name> keys are;"
            + " give one of them another name()");
      }
      Optional<Service> settings = properties.service(service.name());
      this.services.put(service.name(), new Managed(service, settings.map(Service::isEnabled).orElse(true),
          coordination(service, settings)));
      service.addListener(history);
    }
    for (String key : properties.getServices().keySet()) {
      if (!relaxed.containsKey(LoopworkProperties.relaxedName(key))) {
        LOG.warn("loopwork.services.{} is configured but no LoopService bean has that name; known services: {}",
            key, this.services.keySet());
      }
    }
  }

  private Coordination coordination(LoopService service, Optional<Service> settings) {
    Coordination configured = settings.map(Service::getCoordination).orElse(null);
    if (configured == Coordination.EXCLUSIVE && !runtime.isCoordinated()) {
      throw new LoopworkConfigurationException("loopwork.services." + service.name() + ".coordination is exclusive,"
          + " which needs a DataSource in the application; none is configured");
    }
    if (configured != null) {
      return configured;
    }
    return runtime.isCoordinated() ? Coordination.EXCLUSIVE : Coordination.EVERY_REPLICA;
  }

  /** Starts every enabled service that is not paused (with a DataSource: paused on any instance sharing it). */
  @Override
  public void start() {
    if (controlPoller != null) {
      controlPoller.runNow();
    }
    running = true;
    int started = 0;
    for (Managed managed : services.values()) {
      if (managed.enabled && !managed.paused) {
        managed.start();
        started++;
      }
    }
    LOG.info("Started {} loop service(s) of {}{}", started, services.size(),
        runtime.isCoordinated() ? ", coordinated as replica " + runtime.replicaId() : "");
    if (controlPoller != null) {
      controlPoller.start();
    }
  }

  /**
   * Stops every service gracefully: running iterations finish, waiting at most {@code loopwork.shutdown.timeout}
   * for all of them together, and exclusive services release their leases. Services still running after that are
   * named in a WARN and left to end by themselves.
   */
  @Override
  public void stop() {
    running = false;
    if (controlPoller != null) {
      controlPoller.stop(properties.getShutdown().getTimeout());
    }
    List<Managed> active = new ArrayList<>();
    for (Managed managed : services.values()) {
      if (managed.requestStop()) {
        active.add(managed);
      }
    }
    long deadline = System.nanoTime() + properties.getShutdown().getTimeout().toNanos();
    List<String> stragglers = new ArrayList<>();
    for (Managed managed : active) {
      if (!managed.awaitStopped(deadline)) {
        stragglers.add(managed.service.toString());
      }
    }
    if (!stragglers.isEmpty()) {
      LOG.warn("Loop services still running after loopwork.shutdown.timeout of {}: {}; their iterations go on until "
          + "they return", properties.getShutdown().getTimeout(), stragglers);
    }
    LOG.info("Stopped {} loop service(s)", active.size() - stragglers.size());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** This replica's id in the lease table, or {@code "uncoordinated"} without a database. */
  public String replicaId() {
    return runtime.replicaId();
  }

  /** The names of the services, in the order of their beans. */
  public List<String> names() {
    return List.copyOf(services.keySet());
  }

  /** The service named {@code name}, if the application has one. */
  public Optional<LoopService> service(String name) {
    return Optional.ofNullable(services.get(name)).map(m -> m.service);
  }

  /**
   * Stops {@code name} gracefully and keeps it stopped until {@link #resume}: here, and with a DataSource on every
   * instance that shares it (within {@link #CONTROL_POLL_INTERVAL}), so that an exclusive service runs nowhere.
   * Without a DataSource an exclusive service cannot exist, and the pause is this instance's. Waits for the running
   * iteration here at most {@code loopwork.shutdown.timeout}.
   *
   * @return whether the service was running here
   * @throws IllegalArgumentException if there is no such service
   * @throws dev.loopwork.jdbc.DatabaseException if the shared flag cannot be written
   */
  public boolean pause(String name) {
    Managed managed = require(name);
    boolean wasRunning;
    synchronized (controlLock) {
      runtime.controls().ifPresent(controls -> controls.setPaused(name, true));
      managed.paused = true;
      wasRunning = managed.requestStop();
    }
    managed.awaitStopped(shutdownDeadline());
    LOG.info("Loop service {} paused by request{}", name, runtime.isCoordinated() ? " on every instance" : "");
    return wasRunning;
  }

  /**
   * Lets {@code name} run again after {@link #pause}, on every instance that shares the DataSource if there is one;
   * starts it here if the application is running and it is enabled.
   *
   * @return whether the service was started here
   * @throws IllegalArgumentException if there is no such service
   * @throws dev.loopwork.jdbc.DatabaseException if the shared flag cannot be written
   */
  public boolean resume(String name) {
    Managed managed = require(name);
    boolean started;
    synchronized (controlLock) {
      runtime.controls().ifPresent(controls -> controls.setPaused(name, false));
      started = resumeHere(managed);
    }
    LOG.info("Loop service {} resumed by request{}", name, runtime.isCoordinated() ? " on every instance" : "");
    return started;
  }

  /**
   * Runs one extra iteration of {@code name} now. A service running here gets it without a change to its schedule
   * ({@link LoopService#runNow()}). A paused or stopped service runs one iteration here, outside its lease and
   * schedule, and this method waits for it at most {@code loopwork.shutdown.timeout}.
   *
   * <p>With a DataSource the request is shared: exactly one instance runs the iteration, this one if it is the one
   * to (see the class comment), else another one within {@link #CONTROL_POLL_INTERVAL}; a request that no instance
   * may take yet (an exclusive service whose lease nobody holds) waits until one may.
   *
   * @return the status after the request
   * @throws IllegalArgumentException if there is no such service
   * @throws IllegalStateException without a DataSource, if the service was never started here
   * @throws dev.loopwork.jdbc.DatabaseException if the shared request cannot be written
   */
  public LoopServiceStatus runOnce(String name) throws InterruptedException {
    Managed managed = require(name);
    Optional<ServiceControls> shared = runtime.controls();
    if (shared.isPresent()) {
      shared.get().requestRunOnce(name);
      Optional<LoopHandle> oneShot = runRequestedIteration(managed, shared.get(), readLeases());
      if (oneShot.isPresent()) {
        oneShot.get().await(properties.getShutdown().getTimeout());
      }
      return status(name).orElseThrow();
    }
    if (managed.service.runNow()) {
      LOG.info("Loop service {}: one extra iteration by request", name);
      return status(name).orElseThrow();
    }
    if (managed.service.state() == LoopState.NEW) {
      throw new IllegalStateException("Loop service " + name + " was never started here (enabled: "
          + managed.enabled + "); only a started, paused or stopped service can be run once by request");
    }
    LOG.info("Loop service {}: running one iteration by request", name);
    managed.runOnceHere().await(properties.getShutdown().getTimeout());
    return status(name).orElseThrow();
  }

  /**
   * The status of every service; with a DataSource, owners come from the lease table, pause flags are the shared
   * ones and the last iteration is the latest one in the run journal or here.
   */
  public List<LoopServiceStatus> statuses() {
    return statuses(readLeases());
  }

  /** The status of every service, with owners from {@code leases}. */
  List<LoopServiceStatus> statuses(Map<String, LeaseTable.Lease> leases) {
    Shared shared = readShared(leases);
    List<LoopServiceStatus> result = new ArrayList<>(services.size());
    for (Managed managed : services.values()) {
      result.add(status(managed, shared));
    }
    return result;
  }

  /** The status of {@code name}, or empty if there is no such service; see {@link #statuses()}. */
  public Optional<LoopServiceStatus> status(String name) {
    return Optional.ofNullable(services.get(name)).map(m -> status(m, readShared(readLeases())));
  }

  /** The lease time-to-live, which health compares the time without an owner against; empty without a database. */
  public Optional<Duration> leaseTtl() {
    return runtime.leaseTtl();
  }

  /**
   * When this replica last started running {@code name}, or {@code null} if it does not run it now: the earliest
   * moment from which the service can have been without an owner as far as this replica knows.
   */
  Instant runningSince(String name) {
    Managed managed = services.get(name);
    return managed == null || !managed.service.isRunning() ? null : managed.startedAt;
  }

  /**
   * Who holds each lease now; empty without a database.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the lease table cannot be read
   */
  Map<String, LeaseTable.Lease> leases() {
    return runtime.leases();
  }

  private boolean resumeHere(Managed managed) {
    boolean wasPaused = managed.paused;
    managed.paused = false;
    if (!running || !managed.enabled) {
      return false;
    }
    if (wasPaused) {
      // The pause may still be stopping the run, or a requested iteration may be running: start after them.
      managed.awaitStopped(shutdownDeadline());
    }
    if (managed.service.state().isActive()) {
      return false;
    }
    managed.start();
    return true;
  }

  private long shutdownDeadline() {
    return System.nanoTime() + properties.getShutdown().getTimeout().toNanos();
  }

  /** Applies the shared pause flags here and takes the run-once requests that are this instance's to run. */
  private void syncControls(ServiceControls controls) {
    Map<String, Control> flags;
    synchronized (controlLock) {
      flags = controls.readAll();
      services.forEach((name, managed) -> applySharedPause(managed, flags.getOrDefault(name, Control.NONE)));
    }
    if (flags.values().stream().anyMatch(Control::runOnceRequested)) {
      Map<String, LeaseTable.Lease> leases = readLeases();
      flags.forEach((name, flag) -> {
        Managed managed = services.get(name);
        if (flag.runOnceRequested() && managed != null) {
          runRequestedIteration(managed, controls, leases);
        }
      });
    }
  }

  private void applySharedPause(Managed managed, Control flag) {
    if (flag.paused() && !managed.paused) {
      managed.paused = true;
      if (managed.requestStop()) {
        LOG.info("Loop service {} is paused on every instance: stopping it here", managed.service.name());
      }
    } else if (!flag.paused() && managed.paused && resumeHere(managed)) {
      LOG.info("Loop service {} is resumed on every instance: started it here", managed.service.name());
    }
  }

  /**
   * Runs the pending run-once request of {@code managed} here if this instance is one that may run it and takes the
   * request first.
   *
   * @return the one-shot run, when the iteration runs outside the service's own run
   */
  private Optional<LoopHandle> runRequestedIteration(Managed managed, ServiceControls controls,
      Map<String, LeaseTable.Lease> leases) {
    String name = managed.service.name();
    if (!mayRunRequestedIteration(managed, leases) || !controls.claimRunOnce(name)) {
      return Optional.empty();
    }
    LOG.info("Loop service {}: one iteration by request, on this instance", name);
    if (managed.service.runNow()) {
      return Optional.empty();
    }
    try {
      return Optional.of(managed.runOnceHere());
    } catch (IllegalStateException e) {
      LOG.warn("Loop service {}: the requested iteration could not run here: {}", name, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Whether this instance is one that may run a requested iteration of {@code managed}: where it is enabled, the one
   * that runs it now (for an exclusive service, the lease holder), or while it is paused, any one where it is not
   * running (a {@link JdbcLoopService} only once it has been started here, which handed it the database).
   */
  private boolean mayRunRequestedIteration(Managed managed, Map<String, LeaseTable.Lease> leases) {
    LoopService service = managed.service;
    if (!managed.enabled) {
      return false;
    }
    if (managed.paused) {
      return !service.state().isActive() && !(service instanceof JdbcLoopService && service.state() == LoopState.NEW);
    }
    if (service.state() != LoopState.RUNNING) {
      return false;
    }
    LeaseTable.Lease lease = leases.get(service.name());
    return managed.coordination == Coordination.EVERY_REPLICA
        || lease != null && runtime.replicaId().equals(lease.owner());
  }

  private Map<String, LeaseTable.Lease> readLeases() {
    try {
      return runtime.leases();
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the leases for the status of the loop services", e);
      return Map.of();
    }
  }

  /** What the database says of every service: lease owners, shared pause flags, journaled last iterations. */
  private record Shared(Map<String, LeaseTable.Lease> leases, Map<String, Control> flags,
      Map<String, RunHistory.Run> lastRuns) {}

  /** {@code leases} with the shared flags and the journal, each empty when it cannot be read (or no DataSource). */
  private Shared readShared(Map<String, LeaseTable.Lease> leases) {
    Map<String, Control> flags = Map.of();
    Map<String, RunHistory.Run> lastRuns = Map.of();
    try {
      flags = runtime.controls().map(ServiceControls::readAll).orElse(Map.of());
      lastRuns = runtime.lastRuns(services.keySet());
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the shared flags or the run journal for the status of the loop services", e);
    }
    return new Shared(leases, flags, lastRuns);
  }

  private LoopServiceStatus status(Managed managed, Shared shared) {
    LoopService service = managed.service;
    boolean active = service.isRunning();
    String owner;
    if (managed.coordination == Coordination.EVERY_REPLICA) {
      owner = active ? runtime.replicaId() : null;
    } else {
      LeaseTable.Lease lease = shared.leases().get(service.name());
      owner = lease == null ? null : lease.owner();
    }
    boolean ownedHere = active && runtime.replicaId().equals(owner);
    IterationHistory.Last here = history.of(service.name());
    IterationHistory.Last last = IterationHistory.latest(here, shared.lastRuns().get(service.name()));
    LoopOptions options = new ServiceOptionsOverride(properties).optionsOf(service);
    Duration interval = options.loopInterval().orElseGet(service::loopInterval);
    String nextRun = ownedHere && here != null ? here.startedAt().plus(interval).toString() : null;
    Control flag = shared.flags().get(service.name());
    boolean paused = flag == null ? managed.paused : flag.paused();
    return new LoopServiceStatus(service.name(), managed.enabled, paused, service.state(),
        managed.coordination, interval.toString(), options.iterationTimeout().map(Duration::toString)
        .orElse(null), owner, ownedHere, last == null ? null : last.startedAt().toString(),
        last == null ? null : last.outcome().name().toLowerCase(Locale.ROOT),
        last == null ? null : last.duration().toString(), nextRun, last == null ? 0 : last.consecutiveFailures(),
        last == null ? null : last.error());
  }

  private Managed require(String name) {
    Managed managed = services.get(name);
    if (managed == null) {
      throw new IllegalArgumentException("No loop service named \"" + name + "\"; known services: "
          + services.keySet());
    }
    return managed;
  }

  /** One service and how this application runs it. */
  private final class Managed {
    final LoopService service;
    final boolean enabled;
    final Coordination coordination;
    volatile boolean paused;
    volatile LoopHandle handle;
    volatile Instant startedAt;

    Managed(LoopService service, boolean enabled, Coordination coordination) {
      this.service = service;
      this.enabled = enabled;
      this.coordination = coordination;
    }

    synchronized void start() {
      startedAt = Instant.now();
      handle = runtime.start(service, coordination);
    }

    /** Runs one iteration outside the service's schedule and lease; a stop or resume waits for it like for a run. */
    synchronized LoopHandle runOnceHere() {
      handle = runtime.runOnce(service);
      return handle;
    }

    /** Requests a stop; returns whether a run was in progress. */
    synchronized boolean requestStop() {
      LoopHandle current = handle;
      if (current == null || current.isDone()) {
        return false;
      }
      current.stop();
      return true;
    }

    /** Waits for the run to end until {@code deadlineNanos}; returns whether it has ended. */
    boolean awaitStopped(long deadlineNanos) {
      LoopHandle current = handle;
      if (current == null) {
        return true;
      }
      try {
        return current.await(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return current.isDone();
      } catch (RuntimeException | Error e) {
        // The run failed; its failure was logged by the engine and shows as the FAILED state.
        return true;
      }
    }
  }
}
