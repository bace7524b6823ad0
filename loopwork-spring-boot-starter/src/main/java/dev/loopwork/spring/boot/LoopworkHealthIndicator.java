package dev.loopwork.spring.boot;

import dev.loopwork.LoopState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the application's loop services, under the name {@code loopwork}: DOWN when a service
 * has failed (its {@code onStart} threw, or an iteration threw an {@link Error}), when an exclusive
 * service that this replica runs has had no owner anywhere for longer than the lease time-to-live,
 * or when the lease table cannot be read; and, with {@code
 * loopwork.health.max-consecutive-failures} set, when a service's iterations have failed that many
 * times in a row here. Details list each service's state and owner.
 *
 * <p>The time without an owner is measured from the first health check that saw the lease free (and
 * never from before this replica started the service), so DOWN comes at the first check after one
 * lease time-to-live.
 */
public class LoopworkHealthIndicator extends AbstractHealthIndicator {
  private final LoopworkServices services;
  private final Clock clock;
  private final int maxConsecutiveFailures;
  private final Map<String, Instant> unownedSince = new ConcurrentHashMap<>();

  /** Health of {@code services}, timed by the system clock. */
  public LoopworkHealthIndicator(LoopworkServices services) {
    this(services, Clock.systemUTC());
  }

  /** Health of {@code services}, timed by {@code clock}. */
  public LoopworkHealthIndicator(LoopworkServices services, Clock clock) {
    this(services, clock, 0);
  }

  /**
   * Health of {@code services}, timed by {@code clock}, also DOWN when a service has failed {@code
   * maxConsecutiveFailures} times in a row (0: never for that alone).
   *
   * @throws IllegalArgumentException if {@code maxConsecutiveFailures} is negative
   */
  public LoopworkHealthIndicator(
      LoopworkServices services, Clock clock, int maxConsecutiveFailures) {
    super("Loop services health check failed");
    this.services = Objects.requireNonNull(services, "services");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxConsecutiveFailures < 0) {
      throw new IllegalArgumentException(
          "maxConsecutiveFailures must not be negative: " + maxConsecutiveFailures);
    }
    this.maxConsecutiveFailures = maxConsecutiveFailures;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    Map<String, LeaseTable.Lease> leases = services.leases();
    Instant now = clock.instant();
    List<String> problems = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    for (LoopServiceStatus status : services.statuses(leases)) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("state", status.state());
      detail.put("owner", status.owner() == null ? "none" : status.owner());
      detail.put("consecutiveFailures", status.consecutiveFailures());
      details.put(status.name(), detail);
      if (status.state() == LoopState.FAILED) {
        problems.add(status.name() + " has failed");
      }
      if (maxConsecutiveFailures > 0 && status.consecutiveFailures() >= maxConsecutiveFailures) {
        problems.add(
            status.name()
                + " has failed "
                + status.consecutiveFailures()
                + " times in a row (loopwork.health.max-consecutive-failures="
                + maxConsecutiveFailures
                + ")");
      }
      unowned(status, now).ifPresent(problems::add);
    }
    builder.withDetails(Map.of("services", details));
    if (problems.isEmpty()) {
      builder.up();
    } else {
      builder.down().withDetail("problems", problems);
    }
  }

  private Optional<String> unowned(LoopServiceStatus status, Instant now) {
    Instant runningSince = services.runningSince(status.name());
    Duration ttl = services.leaseTtl().orElse(null);
    if (status.coordination() != Coordination.EXCLUSIVE
        || runningSince == null
        || ttl == null
        || status.owner() != null) {
      unownedSince.remove(status.name());
      return Optional.empty();
    }
    Instant seen = unownedSince.computeIfAbsent(status.name(), n -> now);
    Instant from = seen.isAfter(runningSince) ? seen : runningSince;
    Duration without = Duration.between(from, now);
    if (without.compareTo(ttl) <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        status.name()
            + " has had no owner for "
            + without.toSeconds()
            + " s, longer than the lease time-to-live of "
            + ttl.toSeconds()
            + " s");
  }
}
