package dev.loopwork.micrometer;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopClock;
import dev.loopwork.LoopState;
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
  private volatile LoopState state = LoopState.NEW;
  private volatile int consecutiveFailures;
  private volatile long lastSuccessNanos;
  private final AtomicBoolean leasesFailureLogged = new AtomicBoolean();

  ServiceStatus(String name, LoopClock clock, ToIntFunction<String> leasesHeld) {
    this.name = name;
    this.clock = clock;
    this.leasesHeld = leasesHeld;
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
    }
  }

  // --- gauge functions: static or on this object only, so that a gauge never holds more than this
  // status ---

  double stateValue(LoopState candidate) {
    return state == candidate ? 1 : 0;
  }

  double consecutiveFailures() {
    return consecutiveFailures;
  }

  double nanosSinceLastSuccess() {
    return clock.nanoTime() - lastSuccessNanos;
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
