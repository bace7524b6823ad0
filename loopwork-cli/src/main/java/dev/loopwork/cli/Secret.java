package dev.loopwork.cli;

/**
 * A password or token from the configuration. Its value is handed only to the code that needs it;
 * {@link #toString()} and {@link #describe()} never show it.
 *
 * @param value the value, after {@code ${env:NAME}} substitution
 * @param origin where it came from, e.g. {@code environment variable APP_DB_PASSWORD}, for plans
 *     and errors
 */
record Secret(String value, String origin) {

  /** What an operator may see: where the secret comes from, never the value. */
  String describe() {
    return "(secret from " + origin + ")";
  }

  @Override
  public String toString() {
    return describe();
  }
}
