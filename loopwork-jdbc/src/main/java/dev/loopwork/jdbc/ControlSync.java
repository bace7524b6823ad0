package dev.loopwork.jdbc;

import dev.loopwork.LoopService;
import dev.loopwork.internal.DaemonThreads;
import dev.loopwork.jdbc.ServiceControls.Control;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link FleetGate} in step with the {@link ServiceControls} that every replica shares: the
 * one poller of pause flags and run-once requests, for the host and the starter. Each round (every
 * {@link #PERIOD} once {@link #start started}, or on {@link #syncNow}) it pauses and resumes the
 * services as the flags say and asks the services whose requested iteration is this replica's to
 * run (an every-replica service here, an exclusive one where its lease is held) for it; the request
 * is claimed when that iteration is granted ({@link FleetGate#runNow}).
 *
 * <p>Rounds run on a daemon thread of their own, never in a loop service, so a database that does
 * not answer costs no overrun warning: while the runtime reports an outage (which it logs once)
 * rounds are skipped, a read that fails for lost connections is logged at DEBUG, and any other
 * failure once at WARN until a round succeeds again. Thread-safe.
 */
public final class ControlSync implements AutoCloseable {
  /** How often the controls are read once started: operators' requests act within it. */
  public static final Duration PERIOD = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ControlSync.class);

  private final JdbcLoopRuntime runtime;
  private final FleetGate gate;
  private final ServiceControls controls;
  private final Runnable eachRound;
  private final Object roundLock = new Object();
  private ScheduledExecutorService executor;
  private boolean failing;

  /**
   * A sync of {@code gate}, which must be the coordinator (or in front of the leases of) {@code
   * runtime}, with the controls in the runtime's database; {@code eachRound} runs after each round
   * (for example to publish this replica's status), under the same failure rules.
   */
  public ControlSync(JdbcLoopRuntime runtime, FleetGate gate, Runnable eachRound) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.eachRound = Objects.requireNonNull(eachRound, "eachRound");
    this.controls = ServiceControls.of(runtime.database(), runtime.replicaId());
  }

  /** The shared controls this sync reads, written as this replica. */
  public ServiceControls controls() {
    return controls;
  }

  /** Runs rounds every {@link #PERIOD} from now on, on the thread {@code loopwork-control-sync}. */
  public synchronized void start() {
    if (executor != null) {
      return;
    }
    executor =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("loopwork-control-sync"));
    executor.scheduleWithFixedDelay(
        this::scheduledRound, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Runs one round now on the calling thread: an operator's request on this replica acts at once.
   *
   * @throws DatabaseException if the controls cannot be read
   */
  public void syncNow() {
    synchronized (roundLock) {
      round();
    }
  }

  private void scheduledRound() {
    if (!runtime.isDatabaseReachable()) {
      return; // an outage, which the runtime logs once; rounds resume when the database answers
    }
    synchronized (roundLock) {
      try {
        round();
        eachRound.run();
        if (failing) {
          failing = false;
          LOG.info("The shared pause flags and run-once requests can be read again");
        }
      } catch (DatabaseException e) {
        if (DatabaseException.isConnectionFailure(e)) {
          LOG.debug("The shared controls cannot be read now; trying again in {}", PERIOD, e);
        } else {
          failedOnce(e);
        }
      } catch (RuntimeException e) {
        failedOnce(e);
      }
    }
  }

  private void failedOnce(RuntimeException e) {
    if (!failing) {
      failing = true;
      LOG.warn(
          "Cannot read the shared pause flags and run-once requests; services keep their last "
              + "known flags until the database answers: {}",
          e.toString());
    }
  }

  private void round() {
    Map<String, Control> flags = controls.readAll();
    Set<String> paused =
        flags.entrySet().stream()
            .filter(e -> e.getValue().paused())
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    for (String name : gate.setPaused(paused)) {
      if (gate.joined(name).isPresent()) {
        LOG.info(
            gate.isPaused(name)
                ? "{} is paused on every replica: its iterations are held back until it is resumed"
                : "{} is resumed on every replica",
            name);
      }
    }
    Set<String> requested =
        flags.entrySet().stream()
            .filter(e -> e.getValue().runOnceRequested())
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    if (requested.isEmpty()) {
      return;
    }
    Map<String, Optional<String>> owners = LeaseOwners.read(runtime.database());
    for (String name : requested) {
      Optional<LoopService> service = gate.joined(name);
      boolean mine =
          gate.runsOnEveryReplica(name)
              || owners
                  .getOrDefault(name, Optional.empty())
                  .equals(Optional.of(runtime.replicaId()));
      if (service.isPresent() && mine && !gate.isRequested(name)) {
        runNow(service.get());
      }
    }
  }

  private void runNow(LoopService service) {
    String name = service.name();
    if (!gate.runNow(service, () -> claimed(name))) {
      LOG.warn(
          "A run-once of {} was requested, but it is {} here; nothing runs", name, service.state());
    }
  }

  private boolean claimed(String name) {
    boolean claimed = controls.claimRunOnce(name);
    if (claimed) {
      LOG.info("Running one iteration of {} now, as requested", name);
    }
    return claimed;
  }

  /** Stops the rounds, waiting for one in progress at most {@link #PERIOD}. Idempotent. */
  @Override
  public synchronized void close() {
    if (executor == null) {
      return;
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor = null;
  }
}
