package dev.loopwork.jdbc;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Loopwork's one fleet model, as a coordinator in front of the leases: what pause, resume, run-once
 * and every-replica mean, the same in the {@code loopwork} host and the Spring Boot starter. {@link
 * ControlSync} keeps it in step with the {@link ServiceControls} shared by every replica.
 *
 * <ul>
 *   <li><b>Exclusive</b> services ask the leases; <b>every-replica</b> services ({@link
 *       #runOnEveryReplica}) run on every replica without a lease and without a fencing token. A
 *       lease's refusal becomes a deferral of {@link #RETRY}, never a denial: a denial would make
 *       the engine wait a whole interval before asking again, so a service with a long interval
 *       would start late after it gains its lease. Asking costs nothing, as the lease coordinator
 *       answers from memory. (The denial of a calendar fire that ran already stays a denial: that
 *       fire counts as run.)
 *   <li><b>Pause</b> holds a service's iterations back on this replica (on every replica when it
 *       comes from the shared controls); the service stays started and keeps its lease, so that
 *       <b>resume</b> lets it run at once if a slot passed while it was paused, else at its next
 *       slot. Each due iteration held back is {@linkplain IterationPermit#skipped(String) skipped}
 *       with the reason {@value #PAUSED}, reported to the listeners (observations, metrics) on the
 *       replica that holds the lease (every replica, for an every-replica service) and nowhere
 *       else: a standby stays silent.
 *   <li><b>Run-once</b> ({@link #runNow}) asks the running service for one extra iteration, paused
 *       or not, under its lease and fencing token as usual; the schedule is unchanged. The request
 *       is claimed only when that iteration has its permit: while the permit waits (the lease is on
 *       its way, or held by another replica), the request stays for whichever replica gets the
 *       permit first; a claim that fails (another replica took the request) gives the permit back.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class FleetGate implements LoopCoordinator {
  /** How soon a service whose lease another replica holds (paused or not) asks again. */
  public static final Duration RETRY = Duration.ofSeconds(1);

  /**
   * The reason of the {@linkplain IterationPermit#skipped(String) skip} that a paused service's due
   * iteration gets where it would run.
   */
  public static final String PAUSED = "paused";

  private static final Membership EVERYWHERE =
      new Membership() {
        @Override
        public IterationPermit permit() {
          return IterationPermit.grantedWithoutToken();
        }

        @Override
        public boolean isHolder() {
          return true;
        }

        @Override
        public void iterationEnded(IterationPermit permit) {}

        @Override
        public void leave() {}
      };

  private final LoopCoordinator leases;
  private final Set<String> everyReplica = ConcurrentHashMap.newKeySet();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  // Services asked for one iteration, with the claim of the request, taken at the grant.
  private final Map<String, BooleanSupplier> passes = new ConcurrentHashMap<>();
  private final Map<String, Gate> joined = new ConcurrentHashMap<>();

  /** A gate in front of {@code leases}, which grants the iterations of exclusive services. */
  public FleetGate(LoopCoordinator leases) {
    this.leases = Objects.requireNonNull(leases, "leases");
  }

  /**
   * A gate without leases: every service runs as an every-replica one (an engine on its own), with
   * no fencing token.
   */
  public static FleetGate withoutLeases() {
    return new FleetGate(service -> EVERYWHERE);
  }

  /**
   * The service named {@code name} runs on every replica, without a lease, from its next start.
   *
   * @return this gate
   */
  public FleetGate runOnEveryReplica(String name) {
    everyReplica.add(Objects.requireNonNull(name, "name"));
    return this;
  }

  /** Whether the service named {@code name} runs on every replica. */
  public boolean runsOnEveryReplica(String name) {
    return everyReplica.contains(name);
  }

  /**
   * Holds back the iterations of the service named {@code name} from its next due one; returns
   * whether it was not paused before.
   */
  public boolean pause(String name) {
    return paused.add(Objects.requireNonNull(name, "name"));
  }

  /**
   * Lets the service named {@code name} run again; a started one asks for its permit at once.
   * Returns whether it was paused.
   */
  public boolean resume(String name) {
    if (!paused.remove(name)) {
      return false;
    }
    Gate gate = joined.get(name);
    if (gate != null) {
      gate.askAgain.run();
    }
    return true;
  }

  /**
   * Pauses exactly the services named in {@code names} and resumes every other; returns the names
   * whose state changed.
   */
  public Set<String> setPaused(Set<String> names) {
    Set<String> changed = new HashSet<>();
    for (String name : names) {
      if (pause(name)) {
        changed.add(name);
      }
    }
    for (String name : Set.copyOf(paused)) {
      if (!names.contains(name) && resume(name)) {
        changed.add(name);
      }
    }
    return changed;
  }

  /** Whether the service named {@code name} is paused here. */
  public boolean isPaused(String name) {
    return paused.contains(name);
  }

  /**
   * Asks the running {@code service} for one extra iteration now ({@link LoopService#runNow()}),
   * paused or not; {@code claim} takes the request once that iteration is granted, and if it fails,
   * the iteration does not run. The schedule is unchanged.
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

  /** The service named {@code name} if it has joined this gate and not left it. */
  Optional<LoopService> joined(String name) {
    Gate gate = joined.get(name);
    return gate == null ? Optional.empty() : Optional.of(gate.service);
  }

  @Override
  public Membership join(LoopService service) {
    return join(service, service.loopInterval(), () -> {});
  }

  @Override
  public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
    String name = service.name();
    Membership inner =
        everyReplica.contains(name) ? EVERYWHERE : leases.join(service, loopInterval, askAgain);
    Gate gate = new Gate(service, inner, askAgain);
    joined.put(name, gate);
    return gate;
  }

  private final class Gate implements Membership {
    private final LoopService service;
    private final String name;
    private final Membership inner;
    private final Runnable askAgain;

    Gate(LoopService service, Membership inner, Runnable askAgain) {
      this.service = service;
      this.name = service.name();
      this.inner = inner;
      this.askAgain = askAgain;
    }

    @Override
    public IterationPermit permit() {
      // A requested run is let through at once where the lease holder would otherwise wait.
      return permit(passes.containsKey(name) ? inner::permitRequested : inner::permit, false);
    }

    @Override
    public IterationPermit permitRequested() {
      return permit(inner::permitRequested, false);
    }

    /** As {@link #permit()}; a denial of a calendar fire (it ran already) stays a denial. */
    @Override
    public IterationPermit permit(Instant fire) {
      return permit(() -> inner.permit(fire), true);
    }

    @Override
    public Optional<Instant> takeLastRecordedFire() {
      return inner.takeLastRecordedFire();
    }

    private IterationPermit permit(Supplier<IterationPermit> ask, boolean keepDenial) {
      BooleanSupplier pass = passes.get(name);
      if (pass == null && paused.contains(name)) {
        // Reported where it would run; a standby asks again soon, in case the lease comes here.
        // Resume asks again at once either way.
        return inner.isHolder() ? IterationPermit.skipped(PAUSED) : IterationPermit.deferred(RETRY);
      }
      IterationPermit permit = ask.get();
      if (!permit.isGranted()) {
        // A skip on purpose from behind (another gate) stays one, to be reported.
        boolean denial = permit.deferral().isZero() && !permit.isSkipped();
        return denial && !keepDenial ? IterationPermit.deferred(RETRY) : permit;
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
    public boolean isHolder() {
      return inner.isHolder();
    }

    @Override
    public void iterationEnded(IterationPermit permit) {
      inner.iterationEnded(permit);
    }

    @Override
    public void leave() {
      passes.remove(name);
      joined.remove(name, this);
      inner.leave();
    }
  }
}
