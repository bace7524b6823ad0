package dev.loopwork.cron;

import dev.loopwork.CalendarSchedule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A cron expression read in a time zone: the instants at which it fires.
 *
 * <p>Each wall-clock time that the expression names fires once, at one instant:
 *
 * <ul>
 *   <li>a time that occurs once fires then;
 *   <li>a time skipped by a spring-forward change (in a gap) fires at the first instant after the
 *       gap: {@code 30 2 * * *} in Europe/Berlin on 2026-03-29 fires at 03:00+02:00. Several times
 *       in a gap fire once at that instant, with a time that names it: {@code 0 * * * *} fires once
 *       at 03:00+02:00, for both 02:00 and 03:00;
 *   <li>a time that a fall-back change repeats (in an overlap) fires once, at its first occurrence,
 *       the one with the earlier (summer) offset: on 2026-10-25 in Europe/Berlin {@code 30 2 * * *}
 *       fires at 02:30+02:00 only, and {@code 0 * * * *} at 02:00+02:00 and next at 03:00+01:00,
 *       two hours later, not at 02:00+01:00. This holds for every expression, however often it
 *       fires: a cron time is a wall-clock time, and the repeated wall-clock times have fired
 *       already.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; the zone's rules are java.time's (the JDK's tzdb).
 *
 * <pre>{@code
 * CronSchedule nightly = CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin"));
 * Instant next = nightly.nextFireAfter(Instant.now());
 * }</pre>
 *
 * <p>It is a {@link CalendarSchedule}: a loop service runs at its fires when its options say so.
 *
 * <pre>{@code
 * LoopOptions options = LoopOptions.builder().schedule(nightly).build();
 * }</pre>
 */
public final class CronSchedule implements CalendarSchedule {
  /** Bounds the retry loop of {@link #nextFireAfter}; one attempt suffices with sane zone rules. */
  private static final int MAX_ATTEMPTS = 1000;

  private final CronExpression expression;
  private final ZoneId zone;

  private CronSchedule(CronExpression expression, ZoneId zone) {
    this.expression = Objects.requireNonNull(expression, "expression");
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  /**
   * Returns the schedule of {@code expression} in {@code zone}.
   *
   * @throws NullPointerException if either is null
   */
  public static CronSchedule of(CronExpression expression, ZoneId zone) {
    return new CronSchedule(expression, zone);
  }

  /**
   * Parses {@code expression} (see {@link CronExpression#parse(String)}) and returns its schedule
   * in {@code zone}.
   *
   * @throws InvalidCronExpressionException if the expression is malformed or can never fire
   * @throws NullPointerException if either is null
   */
  public static CronSchedule parse(String expression, ZoneId zone) {
    return new CronSchedule(CronExpression.parse(expression), zone);
  }

  /** Returns the expression. */
  public CronExpression expression() {
    return expression;
  }

  /** Returns the zone in which the expression's wall-clock times are read. */
  public ZoneId zone() {
    return zone;
  }

  /**
   * Returns the first fire instant strictly after {@code after}, following the daylight-saving
   * rules of the class comment. Fires are whole seconds. Computed field by field, in microseconds.
   * Never null: an expression that can never fire is refused when it is parsed.
   *
   * @throws java.time.DateTimeException if the next fire lies beyond the range of {@link
   *     LocalDateTime}
   * @throws NullPointerException if {@code after} is null
   */
  @Override
  public Instant nextFireAfter(Instant after) {
    ZoneRules rules = zone.getRules();
    LocalDateTime local = LocalDateTime.ofInstant(after, zone);
    LocalDateTime from = local.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    ZoneOffsetTransition overlap = rules.getTransition(local);
    if (overlap != null
        && overlap.isOverlap()
        && rules.getOffset(after).equals(overlap.getOffsetAfter())) {
      // In the repeated stretch of a fall-back change: its wall-clock times fired at their first
      // occurrence, so the search continues where the repetition ends.
      from = overlap.getDateTimeBefore();
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      LocalDateTime match = expression.nextMatch(from);
      Instant fire = fireInstant(match, rules);
      if (fire.isAfter(after)) {
        return fire;
      }
      from = match.plusSeconds(1);
    }
    throw new IllegalStateException(
        "no fire of " + this + " found after " + after + " in " + MAX_ATTEMPTS + " attempts");
  }

  /**
   * Returns the next {@code count} fire instants after {@code after}, in order, each strictly after
   * the one before (as {@link #nextFireAfter} applied repeatedly).
   *
   * @throws IllegalArgumentException if {@code count} is negative
   * @throws NullPointerException if {@code after} is null
   */
  public List<Instant> nextFires(Instant after, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    List<Instant> fires = new ArrayList<>(count);
    Instant previous = Objects.requireNonNull(after, "after");
    for (int i = 0; i < count; i++) {
      previous = nextFireAfter(previous);
      fires.add(previous);
    }
    return List.copyOf(fires);
  }

  /**
   * Returns one period of the expression, {@link CronExpression#period()}: the shortest wall-clock
   * gap between two consecutive fires. A real gap can differ by a daylight-saving change (a daily
   * fire is 23 or 25 hours from the previous one on change days).
   */
  @Override
  public Duration period() {
    return expression.period();
  }

  /** The instant at which a matching wall-clock time fires: see the class comment. */
  private static Instant fireInstant(LocalDateTime time, ZoneRules rules) {
    ZoneOffsetTransition transition = rules.getTransition(time);
    if (transition == null) {
      return time.toInstant(rules.getOffset(time));
    }
    if (transition.isGap()) {
      return transition.getInstant();
    }
    return time.toInstant(transition.getOffsetBefore());
  }

  /** Returns the expression and the zone, as {@link #toString()}. */
  @Override
  public String description() {
    return toString();
  }

  /** Two schedules are equal when their expressions and zones are. */
  @Override
  public boolean equals(Object other) {
    return other instanceof CronSchedule that
        && that.expression.equals(expression)
        && that.zone.equals(zone);
  }

  /** Consistent with {@link #equals(Object)}. */
  @Override
  public int hashCode() {
    return Objects.hash(expression, zone);
  }

  /** Returns the expression and the zone, such as {@code 0 3 * * * (Europe/Berlin)}. */
  @Override
  public String toString() {
    return expression + " (" + zone + ")";
  }
}
