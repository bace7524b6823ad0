package dev.loopwork.spring.boot;

import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.jdbc.JdbcLoopService;
import dev.loopwork.jdbc.ServiceControls;
import dev.loopwork.jdbc.ServiceControls.Control;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out an operator's pause, resume and run-once requests with the semantics described on
 * {@link LoopworkServices}: on this instance only without a DataSource; with one, by writing
 * loopwork-jdbc's {@link ServiceControls}, which {@link #applySharedControls} applies here whenever
 * they are read. Thread-safe.
 */
final class OperatorRequests {
  /** The category of {@link LoopworkServices}, whose requests these are. */
  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;
  private final Map<String, ManagedService> services;
  private final StatusAssembler assembler;

  /** Whether the application runs its services, i.e. a resumed service may start here. */
  private final BooleanSupplier applicationRunning;

  /**
   * Held while shared flags are read and applied, so that a stale read never undoes an operator's
   * newer request.
   */
  private final Object controlLock = new Object();

  OperatorRequests(
      LoopworkRuntime runtime,
      LoopworkProperties properties,
      Map<String, ManagedService> services,
      StatusAssembler assembler,
      BooleanSupplier applicationRunning) {
    this.runtime = runtime;
    this.properties = properties;
    this.services = services;
    this.assembler = assembler;
    this.applicationRunning = applicationRunning;
  }

  /** See {@link LoopworkServices#pause}. */
  boolean pause(ManagedService managed) {
    String name = managed.service.name();
    boolean wasRunning;
    synchronized (controlLock) {
      runtime.controls().ifPresent(controls -> controls.setPaused(name, true));
      managed.paused = true;
      wasRunning = managed.requestStop();
    }
    managed.awaitStopped(shutdownDeadline());
    LOG.info(
        "Loop service {} paused by request{}",
        name,
        runtime.isCoordinated() ? " on every instance" : "");
    return wasRunning;
  }

  /** See {@link LoopworkServices#resume}. */
  boolean resume(ManagedService managed) {
    String name = managed.service.name();
    boolean started;
    synchronized (controlLock) {
      runtime.controls().ifPresent(controls -> controls.setPaused(name, false));
      started = resumeHere(managed);
    }
    LOG.info(
        "Loop service {} resumed by request{}",
        name,
        runtime.isCoordinated() ? " on every instance" : "");
    return started;
  }

  /** See {@link LoopworkServices#runOnce}. */
  LoopServiceStatus runOnce(ManagedService managed) throws InterruptedException {
    String name = managed.service.name();
    Optional<ServiceControls> shared = runtime.controls();
    if (shared.isPresent()) {
      shared.get().requestRunOnce(name);
      Optional<LoopHandle> oneShot =
          runRequestedIteration(managed, shared.get(), assembler.readLeases());
      if (oneShot.isPresent()) {
        oneShot.get().await(properties.getShutdown().getTimeout());
      }
      return assembler.status(managed);
    }
    if (managed.service.runNow()) {
      LOG.info("Loop service {}: one extra iteration by request", name);
      return assembler.status(managed);
    }
    if (managed.service.state() == LoopState.NEW) {
      throw new IllegalStateException(
          "Loop service "
              + name
              + " was never started here (enabled: "
              + managed.enabled
              + "); only a started, paused or stopped service can be run once by request");
    }
    LOG.info("Loop service {}: running one iteration by request", name);
    managed.runOnceHere().await(properties.getShutdown().getTimeout());
    return assembler.status(managed);
  }

  /**
   * Applies the shared pause flags here and takes the run-once requests that are this instance's to
   * run.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the shared controls cannot be read
   */
  void applySharedControls(ServiceControls controls) {
    Map<String, Control> flags;
    synchronized (controlLock) {
      flags = controls.readAll();
      services.forEach(
          (name, managed) -> applySharedPause(managed, flags.getOrDefault(name, Control.NONE)));
    }
    if (flags.values().stream().anyMatch(Control::runOnceRequested)) {
      Map<String, LeaseTable.Lease> leases = assembler.readLeases();
      flags.forEach(
          (name, flag) -> {
            ManagedService managed = services.get(name);
            if (flag.runOnceRequested() && managed != null) {
              runRequestedIteration(managed, controls, leases);
            }
          });
    }
  }

  private void applySharedPause(ManagedService managed, Control flag) {
    if (flag.paused() && !managed.paused) {
      managed.paused = true;
      if (managed.requestStop()) {
        LOG.info(
            "Loop service {} is paused on every instance: stopping it here",
            managed.service.name());
      }
    } else if (!flag.paused() && managed.paused && resumeHere(managed)) {
      LOG.info(
          "Loop service {} is resumed on every instance: started it here", managed.service.name());
    }
  }

  /**
   * Clears the pause here and starts the service if the application runs and it is enabled; returns
   * whether.
   */
  private boolean resumeHere(ManagedService managed) {
    boolean wasPaused = managed.paused;
    managed.paused = false;
    if (!applicationRunning.getAsBoolean() || !managed.enabled) {
      return false;
    }
    if (wasPaused) {
      // The pause may still be stopping the run, or a requested iteration may be running: start
      // after them.
      managed.awaitStopped(shutdownDeadline());
    }
    if (managed.service.state().isActive()) {
      return false;
    }
    managed.start();
    return true;
  }

  private long shutdownDeadline() {
    return ManagedService.deadlineAfter(properties.getShutdown().getTimeout());
  }

  /**
   * Runs the pending run-once request of {@code managed} here if this instance is one that may run
   * it. A running exclusive service takes the request when its iteration gets its permit, so that a
   * request is not lost if the lease moves meanwhile; otherwise the request is taken first.
   *
   * @return the one-shot run, when the iteration runs outside the service's own run
   */
  private Optional<LoopHandle> runRequestedIteration(
      ManagedService managed, ServiceControls controls, Map<String, LeaseTable.Lease> leases) {
    String name = managed.service.name();
    if (!mayRunRequestedIteration(managed, leases)) {
      return Optional.empty();
    }
    if (!managed.paused && managed.coordination == Coordination.EXCLUSIVE) {
      runtime.runNowClaimedAtGrant(managed.service, () -> claimed(controls, name));
      return Optional.empty();
    }
    if (!claimed(controls, name)) {
      return Optional.empty();
    }
    if (managed.service.runNow()) {
      return Optional.empty();
    }
    try {
      return Optional.of(managed.runOnceHere());
    } catch (IllegalStateException e) {
      LOG.warn(
          "Loop service {}: the requested iteration could not run here: {}", name, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Takes the run-once request of {@code name} for this instance; returns whether it was still
   * there to take.
   */
  private static boolean claimed(ServiceControls controls, String name) {
    boolean claimed = controls.claimRunOnce(name);
    if (claimed) {
      LOG.info("Loop service {}: one iteration by request, on this instance", name);
    }
    return claimed;
  }

  /**
   * Whether this instance is one that may run a requested iteration of {@code managed}: where it is
   * enabled, the one that runs it now (for an exclusive service, the lease holder), or while it is
   * paused, any one where it is not running (a {@link JdbcLoopService} only once it has been
   * started here, which handed it the database).
   */
  private boolean mayRunRequestedIteration(
      ManagedService managed, Map<String, LeaseTable.Lease> leases) {
    LoopService service = managed.service;
    if (!managed.enabled) {
      return false;
    }
    if (managed.paused) {
      return !service.state().isActive()
          && !(service instanceof JdbcLoopService && service.state() == LoopState.NEW);
    }
    if (service.state() != LoopState.RUNNING) {
      return false;
    }
    LeaseTable.Lease lease = leases.get(service.name());
    return managed.coordination == Coordination.EVERY_REPLICA
        || lease != null && runtime.replicaId().equals(lease.owner());
  }
}
