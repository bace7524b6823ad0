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
 *
 * <p>A calendar service has a {@linkplain Builder#schedule schedule} instead of an interval:
 *
 * <pre>{@code
 * LoopOptions nightly = LoopOptions.builder()
 *     .schedule(CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin")))
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
  private final CalendarSchedule schedule;
  private final Duration misfireGrace;
  // The same in nanoseconds (0 when absent), read by every iteration of every service that runs
  // with these options.
  final long jitterNanos;
  final long timeoutNanos;
  final long backoffInitialNanos;
  final long backoffMaxNanos;
  final long initialDelayNanos;
  // The interval arithmetic last made from these options: the services that share the options
  // mostly share the interval too, so one object serves them all. Racy on purpose: the value is
  // immutable, and a lost write only makes one more.
  private FixedInterval lastInterval;

  private LoopOptions(Builder b) {
    this.loopInterval = b.loopInterval;
    this.handleSignals = b.handleSignals;
    this.iterationTimeout = b.iterationTimeout;
    this.jitter = b.jitter;
    this.backoffInitial = b.backoffInitial;
    this.backoffMax = b.backoffMax;
    this.initialDelay = b.initialDelay;
    this.schedule = b.schedule;
    this.misfireGrace = b.misfireGrace;
    this.jitterNanos = nanos(jitter);
    this.timeoutNanos = nanos(iterationTimeout);
    this.backoffInitialNanos = nanos(backoffInitial);
    this.backoffMaxNanos = nanos(backoffMax);
    this.initialDelayNanos = nanos(initialDelay);
  }

  /** The interval arithmetic of {@code intervalNanos} with these options' jitter and back-off. */
  FixedInterval fixedInterval(long intervalNanos) {
    FixedInterval last = lastInterval;
    if (last == null || last.intervalNanos != intervalNanos) {
      last = new FixedInterval(intervalNanos, this);
      lastInterval = last;
    }
    return last;
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
    b.schedule = schedule;
    b.misfireGrace = misfireGrace;
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

  /**
   * The calendar schedule whose fires the service runs at, instead of an interval; empty for an
   * interval service.
   */
  public Optional<CalendarSchedule> schedule() {
    return Optional.ofNullable(schedule);
  }

  /** The schedule, or null for an interval service; read once per start, without an Optional. */
  CalendarSchedule scheduleOrNull() {
    return schedule;
  }

  /**
   * How late a missed fire of the {@linkplain #schedule() schedule} may still run, as set; empty
   * for the default, one {@linkplain CalendarSchedule#period() period} of the schedule.
   */
  public Optional<Duration> misfireGrace() {
    return Optional.ofNullable(misfireGrace);
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
        + (schedule == null
            ? ""
            : ", schedule=" + schedule.description() + ", misfireGrace=" + misfireGrace)
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
    private CalendarSchedule schedule;
    private Duration misfireGrace;

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

    /**
     * Makes the service a calendar service: it runs an iteration at each fire of {@code schedule}
     * instead of every interval; {@code null} makes it an interval service again (the default).
     * Exclusive with {@link #loopInterval}, an {@link #initialDelay} and a {@link #backoff}: {@link
     * #build()} refuses them together.
     *
     * <p>What the engine promises:
     *
     * <ul>
     *   <li>The first fire is the first strictly after the start. Each fire runs once, at its
     *       wall-clock instant ({@link LoopClock#instant()}): the engine waits on the monotonic
     *       clock for the time left until it, at most a minute at a time, and on waking reads the
     *       wall clock again. If the wall clock went back meanwhile, it waits again: no fire runs
     *       early, and none runs twice. The next fire is the one after the fire that ran.
     *   <li>If the wall clock jumped forward past one or more fires (an NTP step, a suspended
     *       machine), one iteration runs at once when the latest of them is no older than the
     *       {@linkplain #misfireGrace misfire grace}; otherwise they are all skipped. Either way
     *       one WARN names the fire times that did not run, and the schedule goes on with the first
     *       fire after now. A fire started less than one second (plus the {@linkplain #jitter
     *       jitter}) after its time is on time whatever the grace.
     *   <li>An iteration that runs past the next fire is followed by one iteration at once (however
     *       many fires it ran past), never a burst, with an overrun WARN as for intervals; the
     *       schedule then goes on from the fire that iteration stands for.
     *   <li>A schedule that has no fire left ends the run normally, with an INFO line: {@code
     *       onStop} runs and the service is STOPPED.
     *   <li>Across processes, a coordinator that records fires ({@link
     *       LoopCoordinator.Membership#permit(java.time.Instant)}) runs each fire once recorded,
     *       and a process that begins to run the service goes on after the last recorded fire
     *       ({@link LoopCoordinator.Membership#takeLastRecordedFire()}): a fire another process
     *       started never runs again, and those that passed while no process ran them are missed
     *       fires, as above.
     *   <li>Stop, {@code runNow} (an extra iteration that leaves the schedule as it was), a
     *       coordinator's permits, the iteration timeout, the {@linkplain #jitter jitter} (each
     *       fire is delayed by up to it) and listeners work as for an interval service. A
     *       coordinator is given the schedule's {@linkplain CalendarSchedule#period() period} as
     *       the interval, and {@code stop(true)} waits at most one period.
     * </ul>
     */
    public Builder schedule(CalendarSchedule schedule) {
      this.schedule = schedule;
      return this;
    }

    /**
     * How late the latest missed fire of a {@linkplain #schedule schedule} may be for its one
     * catch-up iteration to run (see {@link #schedule}); {@link Duration#ZERO} skips missed fires;
     * {@code null} (the default) means one {@linkplain CalendarSchedule#period() period} of the
     * schedule. Only with a schedule: {@link #build()} refuses it without one.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder misfireGrace(Duration misfireGrace) {
      this.misfireGrace =
          misfireGrace == null ? null : requireNotNegative("misfireGrace", misfireGrace);
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalStateException if a schedule is set together with a loop interval, an initial
     *     delay or a back-off, or a misfire grace is set without a schedule
     */
    public LoopOptions build() {
      if (schedule != null) {
        if (loopInterval != null) {
          throw new IllegalStateException(
              "loopInterval and schedule are mutually exclusive, set one of them: loopInterval="
                  + loopInterval
                  + ", schedule="
                  + schedule.description());
        }
        if (!initialDelay.isZero()) {
          throw new IllegalStateException(
              "initialDelay applies to a loopInterval, not to a schedule: initialDelay="
                  + initialDelay
                  + ", schedule="
                  + schedule.description());
        }
        if (backoffInitial != null) {
          throw new IllegalStateException(
              "backoff applies to a loopInterval, not to a schedule (its next attempt is its next"
                  + " fire): backoff="
                  + backoffInitial
                  + ".."
                  + backoffMax
                  + ", schedule="
                  + schedule.description());
        }
      } else if (misfireGrace != null) {
        throw new IllegalStateException(
            "misfireGrace applies to a schedule, and none is set: misfireGrace=" + misfireGrace);
      }
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
