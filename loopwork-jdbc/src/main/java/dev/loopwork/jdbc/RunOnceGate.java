package dev.loopwork.jdbc;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * A coordinator in front of another one that carries out run-once requests ({@link
 * ServiceControls#requestRunOnce}) without losing them: {@link #runNow} asks the service for one
 * extra iteration, and the request is claimed only when that iteration has its permit from the
 * coordinator behind. While the permit waits (the lease is on its way, or held by another replica),
 * the request stays in the table for whichever replica gets the permit first; a claim that fails
 * (another replica took the request) gives the permit back. Thread-safe.
 */
public final class RunOnceGate implements LoopCoordinator {
  /** How soon a service whose requested iteration is waiting for its permit asks again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private final LoopCoordinator inner;
  // Services asked for one iteration, with the claim of the request, taken at the grant.
  private final Map<String, BooleanSupplier> passes = new ConcurrentHashMap<>();

  /** A gate in front of {@code inner}, which grants the iterations themselves. */
  public RunOnceGate(LoopCoordinator inner) {
    this.inner = Objects.requireNonNull(inner, "inner");
  }

  /**
   * Asks the running {@code service} for one extra iteration now ({@link LoopService#runNow()});
   * {@code claim} takes the request once that iteration is granted, and if it fails, the iteration
   * does not run. The schedule is unchanged.
   *
   * @return whether the service is running (otherwise nothing happens and no claim is made)
   */
  public boolean runNow(LoopService service, BooleanSupplier claim) {
    String name = service.name();
    passes.put(name, Objects.requireNonNull(claim, "claim"));
    if (service.runNow()) {
      return true;
    }
    passes.remove(name, claim);
    return false;
  }

  /** Whether a requested iteration of the service named {@code name} waits for its permit. */
  public boolean isRequested(String name) {
    return passes.containsKey(name);
  }

  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval(), () -> {});
  }

  @Override
  public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    return new Gate(service.name(), inner.join(service, loopInterval, askAgain));
  }

  private final class Gate implements Membership {
    private final String name;
    private final Membership inner;

    Gate(String name, Membership inner) {
      this.name = name;
      this.inner = inner;
    }

    @Override
    public IterationPermit permit() {
      BooleanSupplier pass = passes.get(name);
      IterationPermit permit = inner.permit();
      if (!permit.isGranted()) {
        // A requested iteration waits for a grant, asked again soon.
        return pass != null && permit.deferral().isZero()
            ? IterationPermit.deferred(RETRY)
            : permit;
      }
      if (pass != null && passes.remove(name, pass) && !claim(pass, permit)) {
        // The request was taken elsewhere: this iteration was let through for it only.
        return IterationPermit.denied();
      }
      return permit;
    }

    /**
     * Claims the request of a granted iteration; if that fails or throws, the grant is given back.
     */
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
