package dev.loopwork.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code key=value} parameters of one benchmark process, with the defaults the scenarios
 * document.
 */
final class Params {
  private final Map<String, String> values;

  Params(Map<String, String> values) {
    this.values = new LinkedHashMap<>(values);
  }

  /** Parses {@code key=value} arguments. */
  static Params parse(String[] args, int from) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = from; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException(
            "parameter must look like key=value: \"" + args[i] + "\"");
      }
      values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    return new Params(values);
  }

  int integer(String key, int defaultValue) {
    String v = values.get(key);
    return v == null ? defaultValue : Integer.parseInt(v);
  }

  Duration millis(String key, long defaultMillis) {
    return Duration.ofMillis(integer(key, (int) defaultMillis));
  }

  /** The parameters as given, for the result file. */
  Map<String, String> asMap() {
    return Map.copyOf(values);
  }
}
