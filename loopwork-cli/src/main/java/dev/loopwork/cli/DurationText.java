package dev.loopwork.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code
 * 2d}, or ISO-8601.
 */
final class DurationText {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

  private DurationText() {}

  /** The duration {@code text} stands for, or empty if it is not one. */
  static Optional<Duration> parse(String text) {
    String trimmed = text.trim();
    Matcher m = SHORT.matcher(trimmed);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Optional.of(Duration.ofMillis(amount));
        case "s":
          return Optional.of(Duration.ofSeconds(amount));
        case "m":
          return Optional.of(Duration.ofMinutes(amount));
        case "h":
          return Optional.of(Duration.ofHours(amount));
        default:
          return Optional.of(Duration.ofDays(amount));
      }
    }
    if (trimmed.regionMatches(true, 0, "P", 0, 1)) {
      try {
        return Optional.of(Duration.parse(trimmed));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * {@code d} in the shortest of the short forms that is exact: {@code 1h}, {@code 90s}, {@code
   * 250ms}.
   */
  static String format(Duration d) {
    long millis = d.toMillis();
    if (millis % 86_400_000 == 0 && millis > 0) {
      return millis / 86_400_000 + "d";
    }
    if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
