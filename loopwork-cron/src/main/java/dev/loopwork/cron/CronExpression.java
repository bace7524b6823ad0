package dev.loopwork.cron;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed cron expression: the set of wall-clock times (local date-times, without a zone) at which
 * it fires. Pair it with a zone in a {@link CronSchedule} to get instants.
 *
 * <p>Syntax: five fields {@code minute hour day-of-month month day-of-week}, or six with {@code
 * second} first (as Spring and Quartz write them). A field is {@code *}, a value, a range {@code
 * 1-5}, a step {@code *}{@code /15}, {@code 1-10/2} or {@code 5/15} (from 5 to the last value, Saturday for days of the week), or a
 * comma-separated list of those. Months and days of the week take names ({@code JAN}-{@code DEC},
 * {@code SUN}-{@code SAT}, any case); day-of-week 0 and 7 are both Sunday; {@code ?} means "any"
 * in the two day fields. Macros: {@code @yearly} ({@code @annually}), {@code @monthly}, {@code
 * @weekly}, {@code @daily} ({@code @midnight}) and {@code @hourly}. Quartz's {@code L}, {@code W},
 * {@code #} and year field are not supported.
 *
 * <p>Day-of-month and day-of-week follow the cron convention: when both are restricted (neither is
 * {@code *} nor {@code ?}), a day matches if <em>either</em> matches ({@code 0 0 13 * FRI} fires on
 * every 13th and on every Friday); when one is unrestricted, the other alone decides.
 *
 * <p>Instances are immutable and thread-safe. Two expressions are equal when their fields parsed
 * to the same values and the same day rule, whatever their spelling ({@code @daily} equals {@code 0
 * 0 * * *}).
 *
 * <pre>{@code
 * CronExpression nightly = CronExpression.parse("0 3 * * *");
 * CronSchedule schedule = CronSchedule.of(nightly, ZoneId.of("Europe/Berlin"));
 * }</pre>
 */
public final class CronExpression {
  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  /**
   * How far {@link #nextMatch} searches. A valid expression matches at least every 8 years (29
   * February from 2096 to 2104); the search stops long after that instead of looping.
   */
  private static final int SEARCH_YEARS = 28;

  /**
   * The calendar repeats every 28 years between 1901 and 2099: {@link #period()} scans one cycle.
   */
  private static final LocalDate PERIOD_SCAN_START = LocalDate.of(2001, 1, 1);

  private static final LocalDate PERIOD_SCAN_END = PERIOD_SCAN_START.plusYears(SEARCH_YEARS + 9);

  private final String text;
  private final long seconds;
  private final long minutes;
  private final long hours;
  private final long daysOfMonth;
  private final long months;
  private final long daysOfWeek;
  private final boolean eitherDayMatches;
  private final Duration period;

  private CronExpression(String text, String[] fields) {
    this.text = text;
    int first = fields.length == 6 ? 1 : 0;
    this.seconds = fields.length == 6 ? CronField.SECOND.parse(fields[0], text) : 1L;
    this.minutes = CronField.MINUTE.parse(fields[first], text);
    this.hours = CronField.HOUR.parse(fields[first + 1], text);
    this.daysOfMonth = CronField.DAY_OF_MONTH.parse(fields[first + 2], text);
    this.months = CronField.MONTH.parse(fields[first + 3], text);
    this.daysOfWeek = CronField.DAY_OF_WEEK.parse(fields[first + 4], text);
    this.eitherDayMatches =
        !CronField.isUnrestricted(fields[first + 2])
            && !CronField.isUnrestricted(fields[first + 4]);
    requireSomeDate(fields[first + 2], fields[first + 3]);
    this.period = computePeriod();
  }

  /**
   * Parses a cron expression of five or six fields, or a macro; see the class comment for the
   * syntax.
   *
   * <pre>{@code
   * CronExpression.parse("0 3 * * *");        // every day at 03:00
   * CronExpression.parse("0/2 * * * * *");    // every two seconds
   * CronExpression.parse("0 0 1 * MON-FRI");  // the 1st and every weekday, at midnight
   * }</pre>
   *
   * @throws InvalidCronExpressionException if the expression is malformed, or can never fire (such
   *     as {@code 0 0 30 2 *}); the message names the field at fault
   * @throws NullPointerException if {@code expression} is null
   */
  public static CronExpression parse(String expression) {
    Objects.requireNonNull(expression, "expression");
    String trimmed = expression.trim();
    if (trimmed.startsWith("@")) {
      String fields = MACROS.get(trimmed.toLowerCase(Locale.ROOT));
      if (fields == null) {
        throw new InvalidCronExpressionException(
            expression,
            null,
            "unknown macro '"
                + trimmed
                + "': expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
      }
      return new CronExpression(trimmed.toLowerCase(Locale.ROOT), fields.split(" "));
    }
    String[] fields = trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    if (fields.length != 5 && fields.length != 6) {
      throw new InvalidCronExpressionException(
          expression,
          null,
          "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first) but"
              + " found "
              + fields.length
              + " in '"
              + expression
              + "'");
    }
    return new CronExpression(String.join(" ", fields), fields);
  }

  /**
   * Returns the shortest gap between two consecutive fire times, measured on the wall clock (as if
   * the zone had no daylight-saving changes) over a whole 28-year cycle of the calendar: one second
   * for {@code * * * * * *}, one day for {@code 0 3 * * *}, 31 days for {@code 0 0 31 * *}, four
   * years for {@code 0 0 29 2 *}. Always positive.
   */
  public Duration period() {
    return period;
  }

  /** Returns the expression as parsed: its fields separated by single spaces, or the macro. */
  @Override
  public String toString() {
    return text;
  }

  /** Two expressions are equal when they parsed to the same fields and day rule. */
  @Override
  public boolean equals(Object other) {
    return other instanceof CronExpression that
        && that.seconds == seconds
        && that.minutes == minutes
        && that.hours == hours
        && that.daysOfMonth == daysOfMonth
        && that.months == months
        && that.daysOfWeek == daysOfWeek
        && that.eitherDayMatches == eitherDayMatches;
  }

  /** Consistent with {@link #equals(Object)}. */
  @Override
  public int hashCode() {
    return Objects.hash(seconds, minutes, hours, daysOfMonth, months, daysOfWeek, eitherDayMatches);
  }

  /** Whether the expression fires at this wall-clock time (its nanoseconds are ignored). */
  boolean matches(LocalDateTime time) {
    return has(months, time.getMonthValue())
        && matchesDay(time.toLocalDate())
        && has(hours, time.getHour())
        && has(minutes, time.getMinute())
        && has(seconds, time.getSecond());
  }

  /**
   * Returns the first wall-clock time at or after {@code from} (whole seconds) that matches. Moves
   * field by field, largest first, so it takes at most a few hundred steps.
   *
   * @throws IllegalStateException if nothing matches within {@value #SEARCH_YEARS} years, which
   *     {@link #requireSomeDate} rules out for a parsed expression
   */
  LocalDateTime nextMatch(LocalDateTime from) {
    LocalDateTime time = from.truncatedTo(ChronoUnit.SECONDS);
    int lastYear = time.getYear() + SEARCH_YEARS;
    while (time.getYear() <= lastYear) {
      int month = next(months, time.getMonthValue());
      if (month != time.getMonthValue()) {
        time =
            month > 12
                ? LocalDate.of(time.getYear() + 1, 1, 1).atStartOfDay()
                : LocalDate.of(time.getYear(), month, 1).atStartOfDay();
        continue;
      }
      if (!matchesDay(time.toLocalDate())) {
        time = time.toLocalDate().plusDays(1).atStartOfDay();
        continue;
      }
      LocalDateTime moved = advance(time, hours, ChronoField.HOUR_OF_DAY);
      if (moved == null) {
        moved = advance(time, minutes, ChronoField.MINUTE_OF_HOUR);
      }
      if (moved == null) {
        moved = advance(time, seconds, ChronoField.SECOND_OF_MINUTE);
      }
      if (moved == null) {
        return time;
      }
      time = moved;
    }
    throw new IllegalStateException(
        "'" + text + "' matches no time in the " + SEARCH_YEARS + " years after " + from);
  }

  /**
   * Moves {@code time} to the next value of {@code field} that {@code bits} allows, with the
   * smaller fields at zero, or to the start of the next hour, day or minute when there is none;
   * returns null when {@code time}'s value is allowed.
   */
  private static LocalDateTime advance(LocalDateTime time, long bits, ChronoField field) {
    int value = time.get(field);
    int next = next(bits, value);
    if (next == value) {
      return null;
    }
    if (next > field.range().getMaximum()) {
      return time.truncatedTo(field.getRangeUnit()).plus(1, field.getRangeUnit());
    }
    return time.truncatedTo(field.getBaseUnit()).with(field, next);
  }

  private boolean matchesDay(LocalDate date) {
    boolean dayOfMonth = has(daysOfMonth, date.getDayOfMonth());
    boolean dayOfWeek = has(daysOfWeek, date.getDayOfWeek().getValue() % 7);
    return eitherDayMatches ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
  }

  /**
   * Rejects an expression whose day-of-month and month fields match no date. Every other field
   * matches something, and every month has every day of the week, so this is the only way an
   * expression can never fire; decided exactly, without a search.
   */
  private void requireSomeDate(String dayOfMonthText, String monthText) {
    if (eitherDayMatches) {
      return;
    }
    for (int month = 1; month <= 12; month++) {
      if (has(months, month) && next(daysOfMonth, 1) <= Month.of(month).maxLength()) {
        return;
      }
    }
    throw new InvalidCronExpressionException(
        text,
        CronField.DAY_OF_MONTH.label(),
        "day-of-month field '"
            + dayOfMonthText
            + "' and month field '"
            + monthText
            + "' match no date: the expression never fires in '"
            + text
            + "'");
  }

  /**
   * The shortest wall-clock gap: the shortest within a day (from the time fields' structure) or
   * from a day's last fire to the next matching day's first (from a scan of the matching days).
   */
  private Duration computePeriod() {
    long shortest = Long.MAX_VALUE;
    long secondSpan = last(seconds) - first(seconds);
    long minuteSpan = last(minutes) - first(minutes);
    if (Long.bitCount(seconds) > 1) {
      shortest = Math.min(shortest, shortestStep(seconds));
    }
    if (Long.bitCount(minutes) > 1) {
      shortest = Math.min(shortest, 60 * shortestStep(minutes) - secondSpan);
    }
    if (Long.bitCount(hours) > 1) {
      shortest = Math.min(shortest, 3600 * shortestStep(hours) - 60 * minuteSpan - secondSpan);
    }
    long daySpan = 3600 * (last(hours) - first(hours)) + 60 * minuteSpan + secondSpan;
    LocalDate previous = null;
    LocalDate date = PERIOD_SCAN_START;
    while (date.isBefore(PERIOD_SCAN_END) && shortest > 86_400 - daySpan) {
      if (!has(months, date.getMonthValue())) {
        date = date.withDayOfMonth(1).plusMonths(1);
        continue;
      }
      if (matchesDay(date)) {
        if (previous != null) {
          shortest = Math.min(shortest, 86_400 * ChronoUnit.DAYS.between(previous, date) - daySpan);
        }
        previous = date;
      }
      date = date.plusDays(1);
    }
    return Duration.ofSeconds(shortest);
  }

  private static boolean has(long bits, int value) {
    return (bits & (1L << value)) != 0;
  }

  /** The first value at or after {@code from} in the set, or 64 when there is none. */
  private static int next(long bits, int from) {
    return Long.numberOfTrailingZeros(bits & (-1L << from));
  }

  private static int first(long bits) {
    return Long.numberOfTrailingZeros(bits);
  }

  private static int last(long bits) {
    return 63 - Long.numberOfLeadingZeros(bits);
  }

  private static int shortestStep(long bits) {
    int shortest = Integer.MAX_VALUE;
    for (int v = first(bits), w = next(bits, v + 1); w < 64; v = w, w = next(bits, v + 1)) {
      shortest = Math.min(shortest, w - v);
    }
    return shortest;
  }
}
