package dev.loopwork.cli;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Runs one extra iteration of a running service now, for {@code services run-once}: a one-shot service of the same
 * name on the host's engine, so that the journal, the metrics and the status board record it like any iteration,
 * whose body calls the real service's {@code runOnce}. The {@link FleetCoordinator} keeps it from overlapping a
 * scheduled iteration, which keeps the promise that a service's hooks never run concurrently.
 */
final class RunOnceLauncher {
  private static final Method RUN_ONCE = runOnceMethod();

  private final LoopEngine engine;
  private final FleetCoordinator coordinator;
  private final Map<String, LoopService> services;

  /** A launcher for {@code services} (by name), on {@code engine}, whose coordinator is {@code coordinator}. */
  RunOnceLauncher(LoopEngine engine, FleetCoordinator coordinator, Map<String, LoopService> services) {
    this.engine = engine;
    this.coordinator = coordinator;
    this.services = Map.copyOf(services);
  }

  /** Whether {@code name} is a service of this replica. */
  boolean runsHere(String name) {
    return services.containsKey(name);
  }

  /** The names of this replica's services. */
  java.util.Set<String> serviceNames() {
    return services.keySet();
  }

  /** Starts one iteration of {@code name} now, without waiting for it. */
  void launch(String name) {
    LoopService target = services.get(name);
    LoopOptions options = target.options().toBuilder().loopInterval(target.loopInterval()).handleSignals(false)
        .build();
    LoopService oneShot = LoopService.of(name, options, () -> invoke(target));
    coordinator.markOneShot(oneShot);
    engine.start(oneShot, 1);
  }

  private static void invoke(LoopService target) throws Exception {
    try {
      RUN_ONCE.invoke(target);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw (Error) cause;
    }
  }

  private static Method runOnceMethod() {
    try {
      Method method = LoopService.class.getDeclaredMethod("runOnce");
      method.setAccessible(true);
      return method;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("LoopService.runOnce() is missing from this Loopwork", e);
    }
  }
}
