package dev.loopwork.internal;

import java.time.Duration;
import java.util.Locale;

/** Formats durations for log messages, the way operators read them: {@code 0.153 s}. */
public final class DurationFormat {
  private DurationFormat() {}

  /** The duration in seconds with millisecond precision, e.g. {@code "1.500 s"}. */
  public static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.3f s", duration.toNanos() / 1e9);
  }
}
