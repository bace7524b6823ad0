package dev.loopwork.micrometer;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopClock;
import dev.loopwork.LoopState;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gauges of one service read, keyed by the service's name so that a restart, or a new
 * instance with the same name, continues the same series. It holds the name and plain numbers only,
 * never the {@code LoopService}, so a registry that keeps a gauge keeps no service alive.
 *
 * <p>Written by the service's loop thread, read by whatever thread scrapes the registry: every
 * field is volatile and written by one thread at a time (a service's callbacks never run
 * concurrently).
 */
final class ServiceStatus {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceStatus.class);

  private final String name;
  private final LoopClock clock;
  private final ToIntFunction<String> leasesHeld;
  private final FleetView fleet;
  private volatile LoopState state = LoopState.NEW;
  private volatile int consecutiveFailures;
  private volatile long lastSuccessNanos;
  private volatile boolean succeededHere;
  private final AtomicBoolean leasesFailureLogged = new AtomicBoolean();
  private final AtomicBoolean fleetFailureLogged = new AtomicBoolean();

  ServiceStatus(String name, LoopClock clock, ToIntFunction<String> leasesHeld, FleetView fleet) {
    this.name = name;
    this.clock = clock;
    this.leasesHeld = leasesHeld;
    this.fleet = fleet;
    this.lastSuccessNanos = clock.nanoTime();
  }

  String name() {
    return name;
  }

  void stateChanged(LoopState to) {
    if (to == LoopState.STARTING) {
      consecutiveFailures = 0; // the engine counts failures in a row per run
    }
    state = to;
  }

  void iterationEnded(IterationResult result) {
    consecutiveFailures = result.consecutiveFailures();
    if (!result.outcome().isFailure()) {
      lastSuccessNanos = clock.nanoTime();
      succeededHere = true;
    }
  }

  // --- gauge functions: static or on this object only, so that a gauge never holds more than this
  // status ---

  /**
   * 1 for the state the service is in, else 0; a running service that a fleet view says runs
   * elsewhere is on standby, not running.
   */
  double stateValue(LoopState candidate) {
    if (candidate == LoopState.RUNNING && state == LoopState.RUNNING) {
      return isStandby() ? 0 : 1;
    }
    return state == candidate ? 1 : 0;
  }

  /** 1 while the service is started here but runs on another replica (a fleet view says so). */
  double standbyValue() {
    return state == LoopState.RUNNING && isStandby() ? 1 : 0;
  }

  private boolean isStandby() {
    try {
      return fleet != null && !fleet.runsHere(name);
    } catch (RuntimeException e) {
      logFleetFailure(e);
      return false;
    }
  }

  double consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Since the last success here or, with a fleet view, anywhere (whichever is later); before any,
   * since this listener first saw the service, except on a replica that has not run it (then NaN,
   * no sample: a standby must not look as if the service never succeeded).
   */
  double nanosSinceLastSuccess() {
    long here = clock.nanoTime() - lastSuccessNanos;
    if (fleet == null) {
      return here;
    }
    Optional<Duration> anywhere;
    boolean runsHere;
    try {
      anywhere = fleet.timeSinceLastSuccess(name);
      runsHere = fleet.runsHere(name);
    } catch (RuntimeException e) {
      logFleetFailure(e);
      return here;
    }
    if (anywhere.isPresent()) {
      long fleetNanos = anywhere.get().toNanos();
      return succeededHere ? Math.min(here, fleetNanos) : fleetNanos;
    }
    return succeededHere || runsHere ? here : Double.NaN;
  }

  private void logFleetFailure(RuntimeException e) {
    if (fleetFailureLogged.compareAndSet(false, true)) {
      LOG.warn(
          "The fleet view failed for loop service {}; its gauges read this replica only", name, e);
    } else {
      LOG.debug("The fleet view failed again for loop service {}", name, e);
    }
  }

  /**
   * The caller's count of leases held for this service; NaN (a gap in the series) if the caller's
   * function throws, which is logged at WARN the first time and at DEBUG after that.
   */
  double leasesHeld() {
    try {
      return leasesHeld.applyAsInt(name);
    } catch (RuntimeException e) {
      if (leasesFailureLogged.compareAndSet(false, true)) {
        LOG.warn("The leases-held function failed for loop service {}; reporting NaN", name, e);
      } else {
        LOG.debug("The leases-held function failed again for loop service {}", name, e);
      }
      return Double.NaN;
    }
  }
}
