package dev.loopwork.micrometer;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a fleet of replicas knows of a service beyond this process's own loop, so that the gauges
 * stay true on a standby replica: whether this replica runs the service's iterations now, and when
 * the service last succeeded anywhere. Give one to {@link LoopMetrics.Builder#fleetView};
 * loopwork's host and Spring Boot starter do when they coordinate through a database.
 *
 * <p>Called whenever a registry is read, on the reading thread: implementations must be fast and
 * thread-safe and answer from cached state, not with a query per call.
 */
public interface FleetView {

  /**
   * Whether this process runs the iterations of {@code service} now: {@code false} on a standby
   * replica (another one holds the service's lease), {@code true} for a service that every replica
   * runs.
   */
  boolean runsHere(String service);

  /**
   * How long ago an iteration of {@code service} last succeeded on any replica, if one is known.
   */
  Optional<Duration> timeSinceLastSuccess(String service);

  /** A view made of two functions, as {@link #runsHere} and {@link #timeSinceLastSuccess}. */
  static FleetView of(
      Predicate<String> runsHere, Function<String, Optional<Duration>> timeSinceLastSuccess) {
    Objects.requireNonNull(runsHere, "runsHere");
    Objects.requireNonNull(timeSinceLastSuccess, "timeSinceLastSuccess");
    return new FleetView() {
      @Override
      public boolean runsHere(String service) {
        return runsHere.test(service);
      }

      @Override
      public Optional<Duration> timeSinceLastSuccess(String service) {
        return timeSinceLastSuccess.apply(service);
      }
    };
  }
}
