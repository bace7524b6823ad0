package dev.loopwork.cli;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's coordinator: it hands {@code exclusive} services to the lease coordinator and lets {@code
 * every-replica} services run on every replica; it holds back the iterations of paused services, except the one
 * iteration that {@link #runNow} asks for.
 *
 * <p>An iteration that may not run now is deferred by {@link #RETRY}, never denied: a denial would make the engine
 * wait a whole interval before asking again, so a service with a long interval would start late after it gains
 * its lease or is resumed. Asking costs nothing, as the lease coordinator answers from memory. Thread-safe.
 */
final class FleetCoordinator implements LoopCoordinator {
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
  private final Set<String> passThePause = ConcurrentHashMap.newKeySet();
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

  /**
   * Asks the running {@code service} for one extra iteration now ({@link LoopService#runNow()}) and lets its next
   * permit through even if it is paused: exactly one iteration, under its lease and fencing token as usual, after
   * which a paused service is held back again. The schedule is unchanged.
   *
   * @return whether the service is running (otherwise nothing happens)
   */
  boolean runNow(LoopService service) {
    String name = service.name();
    passThePause.add(name);
    if (service.runNow()) {
      return true;
    }
    passThePause.remove(name);
    return false;
  }

  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval(), () -> {});
  }

  @Override
  public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    String name = service.name();
    Membership inner = everyReplica.contains(name) ? EVERYWHERE : leases.join(service, loopInterval, askAgain);
    return new Gate(name, inner, !unpausable.contains(name));
  }

  private final class Gate implements Membership {
    private final String name;
    private final Membership inner;
    private final boolean pausable;

    Gate(String name, Membership inner, boolean pausable) {
      this.name = name;
      this.inner = inner;
      this.pausable = pausable;
    }

    @Override
    public IterationPermit permit() {
      // The pass is for the next ask only, whether it meets a pause or not, so none is left over for later.
      boolean passes = passThePause.remove(name);
      if (pausable && paused.contains(name) && !passes) {
        return IterationPermit.deferred(RETRY);
      }
      IterationPermit permit = inner.permit();
      if (!permit.isGranted() && permit.deferral().isZero()) {
        return IterationPermit.deferred(RETRY);
      }
      return permit;
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      inner.iterationEnded(permit);
    }

    @Override
    public void leave() {
      passThePause.remove(name);
      inner.leave();
    }
  }
}
