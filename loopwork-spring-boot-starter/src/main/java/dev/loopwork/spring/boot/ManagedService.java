package dev.loopwork.spring.boot;

import dev.loopwork.LoopHandle;
import dev.loopwork.LoopService;
import dev.loopwork.spring.boot.LoopworkProperties.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One loop service and how this application runs it: whether it is enabled, its coordination, and
 * its current run (a scheduled run or a single requested iteration). Thread-safe.
 */
final class ManagedService {
  final LoopService service;
  final boolean enabled;
  final Coordination coordination;

  private final LoopworkRuntime runtime;
  private volatile LoopHandle handle;
  private volatile Instant startedAt;

  private ManagedService(
      LoopService service, boolean enabled, Coordination coordination, LoopworkRuntime runtime) {
    this.service = service;
    this.enabled = enabled;
    this.coordination = coordination;
    this.runtime = runtime;
  }

  /**
   * {@code service} as {@code loopwork.services.<name>} configures it: enabled unless disabled,
   * with the configured coordination or else the runtime's default (exclusive with a database,
   * every replica without).
   *
   * @throws LoopworkConfigurationException if the service is configured exclusive while the runtime
   *     has no database
   */
  static ManagedService configured(
      LoopService service, LoopworkProperties properties, LoopworkRuntime runtime) {
    Optional<Service> settings = properties.service(service.name());
    return new ManagedService(
        service,
        settings.map(Service::isEnabled).orElse(true),
        coordination(service, settings, runtime),
        runtime);
  }

  private static Coordination coordination(
      LoopService service, Optional<Service> settings, LoopworkRuntime runtime) {
    Coordination configured =
        settings
            .map(Service::getCoordination)
            .orElse(service instanceof MethodLoopService method ? method.coordination() : null);
    if (configured == Coordination.EXCLUSIVE && !runtime.isCoordinated()) {
      throw new LoopworkConfigurationException(
          "loopwork.services."
              + service.name()
              + ".coordination"
              + (service instanceof MethodLoopService ? " (or its @LoopTask)" : "")
              + " is exclusive,"
              + " which needs a DataSource in the application; none is configured");
    }
    if (configured != null) {
      return configured;
    }
    return runtime.isCoordinated() ? Coordination.EXCLUSIVE : Coordination.EVERY_REPLICA;
  }

  /** The {@link System#nanoTime()} deadline {@code timeout} from now, for {@link #awaitStopped}. */
  static long deadlineAfter(Duration timeout) {
    return System.nanoTime() + timeout.toNanos();
  }

  /** Starts the service's run on the runtime, with its coordination. */
  synchronized void start() {
    startedAt = Instant.now();
    handle = runtime.start(service, coordination);
  }

  /**
   * Runs one iteration outside the service's schedule and lease; a stop or resume waits for it like
   * for a run.
   */
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

  /**
   * When this replica last started running the service, or {@code null} if it does not run it now.
   */
  Instant runningSince() {
    return service.isRunning() ? startedAt : null;
  }
}
