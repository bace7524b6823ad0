package dev.loopwork.cli;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The host's coordinator: it hands {@code exclusive} services to the lease coordinator and lets {@code
 * every-replica} services run on every replica; it holds back the iterations of paused services, except the one
 * iteration that {@link #runNow} asks for, whose request it claims only when that iteration is granted.
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
  // Services asked for one iteration, paused or not, with the claim of the request, taken at the grant.
  private final Map<String, BooleanSupplier> passes = new ConcurrentHashMap<>();
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
   * granted permit through even if it is paused: exactly one iteration, under its lease and fencing token as usual,
   * after which a paused service is held back again. The schedule is unchanged. The request is taken with {@code
   * claim} only once the iteration has its permit, so that a request never goes lost while the lease is not ready
   * here; if {@code claim} fails (another replica took the request), the iteration does not run.
   *
   * @return whether the service is running (otherwise nothing happens)
   */
  boolean runNow(LoopService service, BooleanSupplier claim) {
    String name = service.name();
    passes.put(name, claim);
    if (service.runNow()) {
      return true;
    }
    passes.remove(name, claim);
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
      BooleanSupplier pass = passes.get(name);
      if (pausable && paused.contains(name) && pass == null) {
        return IterationPermit.deferred(RETRY);
      }
      IterationPermit permit = inner.permit();
      if (!permit.isGranted()) {
        // A pass waits for a grant, asked again soon.
        return permit.deferral().isZero() ? IterationPermit.deferred(RETRY) : permit;
      }
      if (pass != null && passes.remove(name, pass) && !claim(pass, permit)) {
        // The request was taken elsewhere: this iteration was let through for it only.
        return IterationPermit.denied();
      }
      return permit;
    }

    /** Claims the request of a granted pass; if that fails or throws, the grant is given back. */
    private boolean claim(BooleanSupplier pass, IterationPermit permit) {
      boolean claimed = false;
      try {
        claimed = pass.getAsBoolean();
        return claimed;
      } finally {
        if (!claimed) {
          inner.iterationEnded(permit);
        }
      }
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      inner.iterationEnded(permit);
    }

    @Override
    public void leave() {
      passes.remove(name);
      inner.leave();
    }
  }
}
