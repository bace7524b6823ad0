package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Formats the figures of the results file as table cells; a figure that is absent (a missing row, a
 * failed run, a field the run did not measure, {@code NaN}) is shown as {@value #MISSING}.
 */
final class Cells {
  /** The cell of a figure that is absent. */
  static final String MISSING = "–";

  private Cells() {}

  /** The field as written, or {@value #MISSING}. */
  static String text(JsonNode figures, String field) {
    JsonNode v = figures.path(field);
    return v.isMissingNode() || v.isNull() ? MISSING : v.asText();
  }

  /** A number field with three significant digits or so (milliseconds and most other figures). */
  static String ms(JsonNode figures, String field) {
    JsonNode v = figures.path(field);
    return v.isNumber() ? ms(v.asDouble()) : MISSING;
  }

  /**
   * {@code v} with three decimals under 1, two under 10, one under 100, else none (with thousands
   * separators).
   */
  static String ms(double v) {
    if (Double.isNaN(v)) {
      return MISSING;
    }
    double a = Math.abs(v);
    return String.format(
        Locale.ROOT, a < 1 ? "%.3f" : a < 10 ? "%.2f" : a < 100 ? "%.1f" : "%,.0f", v);
  }

  /** As {@link #ms(double)}, for a node that may not be a number. */
  static String number(JsonNode v) {
    return v.isNumber() ? ms(v.asDouble()) : MISSING;
  }

  /** As {@link #ms(double)}. */
  static String number(double v) {
    return ms(v);
  }

  /** A figure in milliseconds shown in seconds. */
  static String seconds(JsonNode millis) {
    return millis.isNumber() ? seconds(millis.asDouble()) : MISSING;
  }

  /** A figure in milliseconds shown in seconds. */
  static String seconds(double millis) {
    return ms(millis / 1000);
  }

  /** A count with thousands separators and no decimals. */
  static String count(JsonNode v) {
    return v.isNumber() ? count(v.asDouble()) : MISSING;
  }

  /** A count with thousands separators and no decimals. */
  static String count(double v) {
    return Double.isNaN(v) ? MISSING : String.format(Locale.ROOT, "%,.0f", v);
  }

  /**
   * {@code value / reference} as {@code 1.23x}, or {@value #MISSING} if either is absent or the
   * reference is 0.
   */
  static String ratio(double value, double reference) {
    if (Double.isNaN(value) || Double.isNaN(reference) || reference == 0) {
      return MISSING;
    }
    return String.format(Locale.ROOT, "%.2fx", value / reference);
  }
}
