package dev.loopwork.cron;

import java.util.List;
import java.util.Locale;

/**
 * One field of a cron expression: its name, its range and its names; parses the field's text into a
 * bit set (bit {@code n} set when value {@code n} matches).
 */
enum CronField {
  SECOND("second", 0, 59, List.of()),
  MINUTE("minute", 0, 59, List.of()),
  HOUR("hour", 0, 23, List.of()),
  DAY_OF_MONTH("day-of-month", 1, 31, List.of()),
  // Names are matched by position from the field's minimum: JAN is 1, SUN is 0.
  MONTH(
      "month",
      1,
      12,
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
  // 7 is accepted as Sunday, as in most crons, and folded into 0.
  DAY_OF_WEEK("day-of-week", 0, 7, List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"));

  private final String label;
  private final int min;
  private final int max;
  private final List<String> names;

  CronField(String label, int min, int max, List<String> names) {
    this.label = label;
    this.min = min;
    this.max = max;
    this.names = names;
  }

  String label() {
    return label;
  }

  /** Whether the text leaves the field unrestricted: {@code *}, or {@code ?} in a day field. */
  static boolean isUnrestricted(String text) {
    return text.equals("*") || text.equals("?");
  }

  /** Parses the field's text; {@code expression} is the whole expression, for the messages. */
  long parse(String text, String expression) {
    if (text.equals("?")) {
      if (this != DAY_OF_MONTH && this != DAY_OF_WEEK) {
        throw error(text, expression, "'?' is allowed only in day-of-month and day-of-week");
      }
      return bits(min, last(), 1);
    }
    long bits = 0;
    for (String item : text.split(",", -1)) {
      if (item.isEmpty()) {
        throw error(text, expression, "empty element in the list");
      }
      bits |= parseItem(item, text, expression);
    }
    if (this == DAY_OF_WEEK && (bits & (1L << 7)) != 0) {
      bits = (bits & ~(1L << 7)) | 1L;
    }
    return bits;
  }

  private long parseItem(String item, String text, String expression) {
    int slash = item.indexOf('/');
    String range = slash < 0 ? item : item.substring(0, slash);
    int step = 1;
    if (slash >= 0) {
      step = number(item.substring(slash + 1), "a number (the step)", text, expression);
      if (step < 1) {
        throw error(text, expression, "step must be at least 1");
      }
    }
    int low;
    int high;
    int dash = range.indexOf('-');
    if (range.equals("*")) {
      low = min;
      high = last();
    } else if (dash >= 0) {
      low = value(range.substring(0, dash), text, expression);
      high = value(range.substring(dash + 1), text, expression);
      if (this == DAY_OF_WEEK && high == 0 && low > 0) {
        high = 7; // FRI-SUN: Sunday as the end of a range is day 7
      }
      if (low > high) {
        throw error(text, expression, "range start " + low + " is after its end " + high);
      }
    } else {
      low = value(range, text, expression);
      high = slash >= 0 ? last() : low; // "5/15": from 5 to the last value, every 15
    }
    return bits(low, high, step);
  }

  /**
   * The last value that {@code *} covers: Saturday (6) for the day of the week, else the maximum.
   */
  private int last() {
    return this == DAY_OF_WEEK ? 6 : max;
  }

  private static long bits(int low, int high, int step) {
    long bits = 0;
    for (int v = low; v <= high; v += step) {
      bits |= 1L << v;
    }
    return bits;
  }

  private int value(String token, String text, String expression) {
    int index = names.indexOf(token.toUpperCase(Locale.ROOT));
    if (index >= 0) {
      return index + min;
    }
    int value =
        number(token, names.isEmpty() ? "a number" : "a number or a name", text, expression);
    if (value < min || value > max) {
      throw error(text, expression, "value " + value + " is out of range " + min + "-" + max);
    }
    return value;
  }

  private int number(String token, String expected, String text, String expression) {
    if (token.isEmpty()
        || token.length() > 9
        || !token.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw error(text, expression, "'" + token + "' is not " + expected);
    }
    return Integer.parseInt(token);
  }

  InvalidCronExpressionException error(String text, String expression, String problem) {
    return new InvalidCronExpressionException(
        expression,
        label,
        label + " field '" + text + "': " + problem + " in '" + expression + "'");
  }
}
