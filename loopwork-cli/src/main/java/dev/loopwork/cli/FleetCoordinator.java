package dev.loopwork.cli;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The host's coordinator: it hands {@code exclusive} services to the lease coordinator and lets {@code
 * every-replica} services run on every replica; it holds back the iterations of paused services; and it lets at
 * most one iteration of a service run at a time, so that a run-once iteration never overlaps a scheduled one (a
 * scheduled iteration that finds a run-once in progress waits for it).
 *
 * <p>An iteration that may not run now is deferred by {@link #RETRY}, never denied: a denial would make the engine
 * wait a whole interval before asking again, so a service with a long interval would start late after it gains
 * its lease or is resumed. Asking costs nothing, as the lease coordinator answers from memory. Thread-safe.
 */
final class FleetCoordinator implements LoopCoordinator {
  /** How soon a service whose other iteration is running asks again. */
  static final Duration BUSY_RETRY = Duration.ofMillis(100);

  /** How soon a service that is paused, or whose lease another replica holds, asks again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private static final Membership EVERYWHERE = new Membership() {
    @Override
    public IterationPermit permit() {
      return IterationPermit.granted(0);
    }

    @Override
    public void iterationEnded(IterationPermit permit) {}

    @Override
    public void leave() {}
  };

  private final LoopCoordinator leases;
  private final Set<String> everyReplica;
  private final Set<String> unpausable;
  private final Map<String, AtomicBoolean> busy = new ConcurrentHashMap<>();
  private final Set<LoopService> oneShots = Collections.synchronizedSet(Collections.newSetFromMap(
      new WeakHashMap<>()));
  private volatile Set<String> paused = Set.of();

  /**
   * @param leases the coordinator of exclusive services
   * @param everyReplica the names of the services that run on every replica
   * @param unpausable the names of the host's own services, which pausing does not stop
   */
  FleetCoordinator(LoopCoordinator leases, Set<String> everyReplica, Set<String> unpausable) {
    this.leases = leases;
    this.everyReplica = Set.copyOf(everyReplica);
    this.unpausable = Set.copyOf(unpausable);
  }

  /** Sets the names of the paused services; their next due iterations are skipped. */
  void setPaused(Set<String> names) {
    paused = Set.copyOf(names);
  }

  /** Whether {@code name} is paused here. */
  boolean isPaused(String name) {
    return paused.contains(name);
  }

  /** Marks {@code service} as a one-shot run of another service's iteration: it runs here, paused or not. */
  void markOneShot(LoopService service) {
    oneShots.add(service);
  }

  /** Whether {@code service} is a {@linkplain #markOneShot one-shot} run. */
  boolean isOneShot(LoopService service) {
    return oneShots.contains(service);
  }

  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval());
  }

  @Override
  public Membership join(LoopService service, Duration loopInterval) {
    String name = service.name();
    boolean oneShot = isOneShot(service);
    Membership inner = oneShot || everyReplica.contains(name) ? EVERYWHERE : leases.join(service, loopInterval);
    return new Gate(name, inner, !oneShot && !unpausable.contains(name));
  }

  private final class Gate implements Membership {
    private final String name;
    private final Membership inner;
    private final boolean pausable;
    private final AtomicBoolean running;

    Gate(String name, Membership inner, boolean pausable) {
      this.name = name;
      this.inner = inner;
      this.pausable = pausable;
      this.running = busy.computeIfAbsent(name, n -> new AtomicBoolean());
    }

    @Override
    public IterationPermit permit() {
      if (pausable && paused.contains(name)) {
        return IterationPermit.deferred(RETRY);
      }
      if (!running.compareAndSet(false, true)) {
        return IterationPermit.deferred(BUSY_RETRY);
      }
      IterationPermit permit;
      try {
        permit = inner.permit();
      } catch (RuntimeException e) {
        running.set(false);
        throw e;
      }
      if (!permit.isGranted()) {
        running.set(false);
        return permit.deferral().isZero() ? IterationPermit.deferred(RETRY) : permit;
      }
      return permit;
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      try {
        inner.iterationEnded(permit);
      } finally {
        running.set(false);
      }
    }

    @Override
    public void leave() {
      inner.leave();
    }
  }
}
