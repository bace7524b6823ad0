package dev.loopwork.cli;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.RunOnceGate;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The host's coordinator: it hands {@code exclusive} services to the lease coordinator and lets
 * {@code every-replica} services run on every replica; it holds back the iterations of paused
 * services, except the one iteration that {@link #runNow} asks for, whose request a {@link
 * RunOnceGate} claims only when that iteration is granted.
 *
 * <p>An iteration that may not run now is deferred by {@link #RETRY}, never denied: a denial would
 * make the engine wait a whole interval before asking again, so a service with a long interval
 * would start late after it gains its lease or is resumed. Asking costs nothing, as the lease
 * coordinator answers from memory. Thread-safe.
 */
final class FleetCoordinator implements LoopCoordinator {
  /** How soon a service that is paused, or whose lease another replica holds, asks again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private static final Membership EVERYWHERE =
      new Membership() {
        @Override
        public IterationPermit permit() {
          return IterationPermit.granted(0);
        }

        @Override
        public void iterationEnded(IterationPermit permit) {}

        @Override
        public void leave() {}
      };

  private final Set<String> unpausable;
  private final RunOnceGate requests;
  private volatile Set<String> paused = Set.of();

  /**
   * @param leases the coordinator of exclusive services
   * @param everyReplica the names of the services that run on every replica
   * @param unpausable the names of the host's own services, which pausing does not stop
   */
  FleetCoordinator(LoopCoordinator leases, Set<String> everyReplica, Set<String> unpausable) {
    Set<String> everywhere = Set.copyOf(everyReplica);
    this.unpausable = Set.copyOf(unpausable);
    this.requests =
        new RunOnceGate(
            new LoopCoordinator() {
              @Override
              public Membership join(LoopService service) {
                return join(service, service.loopInterval(), () -> {});
              }

              @Override
              public Membership join(
                  LoopService service, Duration loopInterval, Runnable askAgain) {
                return everywhere.contains(service.name())
                    ? EVERYWHERE
                    : new NeverDenied(leases.join(service, loopInterval, askAgain));
              }
            });
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
   * Asks the running {@code service} for one extra iteration now and lets it through even if it is
   * paused: exactly one iteration, under its lease and fencing token as usual, after which a paused
   * service is held back again. The request is taken with {@code claim} only once the iteration has
   * its permit (see {@link RunOnceGate#runNow}).
   *
   * @return whether the service is running (otherwise nothing happens)
   */
  boolean runNow(LoopService service, BooleanSupplier claim) {
    return requests.runNow(service, claim);
  }

  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval(), () -> {});
  }

  @Override
  public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    String name = service.name();
    return new PauseGate(
        name, requests.join(service, loopInterval, askAgain), !unpausable.contains(name));
  }

  /** Holds back the iterations of a paused service, except a requested one. */
  private final class PauseGate implements Membership {
    private final String name;
    private final Membership inner;
    private final boolean pausable;

    PauseGate(String name, Membership inner, boolean pausable) {
      this.name = name;
      this.inner = inner;
      this.pausable = pausable;
    }

    @Override
    public IterationPermit permit() {
      if (pausable && paused.contains(name) && !requests.isRequested(name)) {
        return IterationPermit.deferred(RETRY);
      }
      return inner.permit();
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      inner.iterationEnded(permit);
    }

    @Override
    public void leave() {
      inner.leave();
    }
  }

  /** A lease membership whose refusals are deferrals by {@link #RETRY} (see the class comment). */
  private static final class NeverDenied implements Membership {
    private final Membership inner;

    NeverDenied(Membership inner) {
      this.inner = inner;
    }

    @Override
    public IterationPermit permit() {
      IterationPermit permit = inner.permit();
      return permit.isGranted() || !permit.deferral().isZero()
          ? permit
          : IterationPermit.deferred(RETRY);
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      inner.iterationEnded(permit);
    }

    @Override
    public void leave() {
      inner.leave();
    }
  }
}
