package dev.loopwork;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of one loop service, immutable once built. Pass them to {@link
 * LoopService#LoopService(LoopOptions)} or {@link LoopService#of(String, LoopOptions, LoopBody)}.
 *
 * <pre>{@code
 * LoopOptions options = LoopOptions.builder()
 *     .loopInterval(Duration.ofSeconds(30))
 *     .iterationTimeout(Duration.ofSeconds(10))
 *     .jitter(Duration.ofSeconds(2))
 *     .backoff(Duration.ofSeconds(30), Duration.ofMinutes(10))
 *     .build();
 * }</pre>
 */
public final class LoopOptions {
  private static final LoopOptions DEFAULTS = builder().build();

  private final Duration loopInterval;
  private final boolean handleSignals;
  private final Duration iterationTimeout;
  private final Duration jitter;
  private final Duration backoffInitial;
  private final Duration backoffMax;
  private final Duration initialDelay;
  // The same in nanoseconds (0 when absent), read by every iteration of every service that runs
  // with these options.
  final long jitterNanos;
  final long timeoutNanos;
  final long backoffInitialNanos;
  final long backoffMaxNanos;
  final long initialDelayNanos;

  private LoopOptions(Builder b) {
    this.loopInterval = b.loopInterval;
    this.handleSignals = b.handleSignals;
    this.iterationTimeout = b.iterationTimeout;
    this.jitter = b.jitter;
    this.backoffInitial = b.backoffInitial;
    this.backoffMax = b.backoffMax;
    this.initialDelay = b.initialDelay;
    this.jitterNanos = nanos(jitter);
    this.timeoutNanos = nanos(iterationTimeout);
    this.backoffInitialNanos = nanos(backoffInitial);
    this.backoffMaxNanos = nanos(backoffMax);
    this.initialDelayNanos = nanos(initialDelay);
  }

  private static long nanos(Duration duration) {
    return duration == null ? 0 : duration.toNanos();
  }

  /**
   * The defaults: the class's default interval, signal handling on, no timeout, no jitter, no
   * back-off.
   */
  public static LoopOptions defaults() {
    return DEFAULTS;
  }

  /** A builder that starts from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.loopInterval = loopInterval;
    b.handleSignals = handleSignals;
    b.iterationTimeout = iterationTimeout;
    b.jitter = jitter;
    b.backoffInitial = backoffInitial;
    b.backoffMax = backoffMax;
    b.initialDelay = initialDelay;
    return b;
  }

  /**
   * The interval between iteration starts, or empty for the service class's {@code
   * defaultLoopInterval()}.
   */
  public Optional<Duration> loopInterval() {
    return Optional.ofNullable(loopInterval);
  }

  /**
   * The interval, or null when the service's own applies; read once per start, without an Optional.
   */
  Duration loopIntervalOrNull() {
    return loopInterval;
  }

  /** Whether SIGINT and SIGTERM stop the service gracefully. */
  public boolean handleSignals() {
    return handleSignals;
  }

  /**
   * How long one iteration may run before it is interrupted and counted as failed; empty for no
   * limit.
   */
  public Optional<Duration> iterationTimeout() {
    return Optional.ofNullable(iterationTimeout);
  }

  /** The largest random delay added to each due time (never accumulated); zero for none. */
  public Duration jitter() {
    return jitter;
  }

  /**
   * The delay after the first failure in a row, doubled after each further one; empty for no
   * back-off.
   */
  public Optional<Duration> backoffInitial() {
    return Optional.ofNullable(backoffInitial);
  }

  /** The longest back-off delay; meaningful only when {@link #backoffInitial()} is set. */
  public Optional<Duration> backoffMax() {
    return Optional.ofNullable(backoffMax);
  }

  /**
   * How long after its start a service's first iteration is due; its later iterations follow at the
   * interval from that one. Zero (the default) runs the first iteration at once.
   */
  public Duration initialDelay() {
    return initialDelay;
  }

  @Override
  public String toString() {
    return "LoopOptions{loopInterval="
        + loopInterval
        + ", handleSignals="
        + handleSignals
        + ", iterationTimeout="
        + iterationTimeout
        + ", jitter="
        + jitter
        + ", backoff="
        + backoffInitial
        + ".."
        + backoffMax
        + ", initialDelay="
        + initialDelay
        + "}";
  }

  /** Builds {@link LoopOptions}; every setter checks its argument and names it in the error. */
  public static final class Builder {
    private Duration loopInterval;
    private boolean handleSignals = true;
    private Duration iterationTimeout;
    private Duration jitter = Duration.ZERO;
    private Duration backoffInitial;
    private Duration backoffMax;
    private Duration initialDelay = Duration.ZERO;

    private Builder() {}

    /**
     * The interval between iteration starts; zero runs iterations back to back; {@code null} keeps
     * the class default.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder loopInterval(Duration loopInterval) {
      this.loopInterval =
          loopInterval == null ? null : requireNotNegative("loopInterval", loopInterval);
      return this;
    }

    /** Whether SIGINT and SIGTERM stop the service gracefully (default {@code true}). */
    public Builder handleSignals(boolean handleSignals) {
      this.handleSignals = handleSignals;
      return this;
    }

    /**
     * A limit for one iteration: past it the iteration is interrupted, a WARN is logged and it
     * counts as failed; {@code null} for no limit.
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder iterationTimeout(Duration iterationTimeout) {
      this.iterationTimeout =
          iterationTimeout == null ? null : requirePositive("iterationTimeout", iterationTimeout);
      return this;
    }

    /**
     * The largest random delay added to each due time, to spread services that share an interval.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder jitter(Duration jitter) {
      this.jitter = requireNotNegative("jitter", Objects.requireNonNull(jitter, "jitter"));
      return this;
    }

    /**
     * Exponential back-off after consecutive failures: after the n-th failure in a row the next
     * iteration starts no sooner than {@code min(initial * 2^(n-1), max)} after the failed one
     * started (and never sooner than the interval). A success resets it.
     *
     * @throws IllegalArgumentException if {@code initial} is not positive or {@code max} is less
     *     than it
     */
    public Builder backoff(Duration initial, Duration max) {
      requirePositive("backoff initial", Objects.requireNonNull(initial, "initial"));
      Objects.requireNonNull(max, "max");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "backoff max must not be less than initial: " + max + " < " + initial);
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /**
     * How long after the start the first iteration is due (default zero: at once); the next ones
     * follow at the interval from it, as from any due time.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay =
          requireNotNegative("initialDelay", Objects.requireNonNull(initialDelay, "initialDelay"));
      return this;
    }

    /** Turns back-off off (the default). */
    public Builder noBackoff() {
      this.backoffInitial = null;
      this.backoffMax = null;
      return this;
    }

    /** The options. */
    public LoopOptions build() {
      return new LoopOptions(this);
    }
  }

  static Duration requireNotNegative(String what, Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + value);
    }
    return value;
  }

  private static Duration requirePositive(String what, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + value);
    }
    return value;
  }
}
