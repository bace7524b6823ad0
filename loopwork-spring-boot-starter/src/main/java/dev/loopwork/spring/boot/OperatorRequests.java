package dev.loopwork.spring.boot;

import dev.loopwork.LoopState;
import dev.loopwork.jdbc.ControlSync;
import dev.loopwork.jdbc.FleetGate;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out an operator's pause, resume and run-once requests with the semantics described on
 * {@link LoopworkServices}, on loopwork-jdbc's {@link FleetGate}: on this instance only without a
 * DataSource; with one, also by writing the shared controls, which every instance's {@link
 * ControlSync} applies within a second (this one at once). Thread-safe.
 */
final class OperatorRequests {
  /** The category of {@link LoopworkServices}, whose requests these are. */
  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;
  private final StatusAssembler assembler;

  /** Whether the application runs its services, i.e. a resumed service may start here. */
  private final BooleanSupplier applicationRunning;

  OperatorRequests(
      LoopworkRuntime runtime,
      LoopworkProperties properties,
      StatusAssembler assembler,
      BooleanSupplier applicationRunning) {
    this.runtime = runtime;
    this.properties = properties;
    this.assembler = assembler;
    this.applicationRunning = applicationRunning;
  }

  /** See {@link LoopworkServices#pause}. */
  boolean pause(ManagedService managed) {
    String name = managed.service.name();
    runtime.controls().ifPresent(controls -> controls.setPaused(name, true));
    runtime.gate().pause(name);
    LOG.info(
        "Loop service {} paused by request{}: its iterations are held back until it is resumed",
        name,
        runtime.isCoordinated() ? " on every instance" : "");
    return managed.service.isRunning();
  }

  /** See {@link LoopworkServices#resume}. */
  boolean resume(ManagedService managed) {
    String name = managed.service.name();
    runtime.controls().ifPresent(controls -> controls.setPaused(name, false));
    runtime.gate().resume(name);
    LOG.info(
        "Loop service {} resumed by request{}",
        name,
        runtime.isCoordinated() ? " on every instance" : "");
    if (applicationRunning.getAsBoolean()
        && managed.enabled
        && !managed.service.state().isActive()) {
      managed.start(); // it had ended here (failed, or stopped by its own code): it runs again
      LOG.info("Loop service {} was not running here: started it", name);
    }
    return managed.service.isRunning();
  }

  /** See {@link LoopworkServices#runOnce}. */
  LoopServiceStatus runOnce(ManagedService managed) throws InterruptedException {
    String name = managed.service.name();
    Optional<ControlSync> shared = runtime.sync();
    if (shared.isPresent()) {
      shared.get().controls().requestRunOnce(name);
      shared.get().syncNow();
      return assembler.status(managed);
    }
    if (runtime.gate().runNow(managed.service, () -> true)) {
      LOG.info("Loop service {}: one extra iteration by request", name);
      return assembler.status(managed);
    }
    if (managed.service.state() == LoopState.NEW) {
      throw new IllegalStateException(
          "Loop service "
              + name
              + " was never started here (enabled: "
              + managed.enabled
              + "); only a started or stopped service can be run once by request");
    }
    LOG.info("Loop service {}: running one iteration by request", name);
    managed.runOnceHere().await(properties.getShutdown().getTimeout());
    return assembler.status(managed);
  }
}
