package dev.loopwork.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/** What a test does when the database server it needs is not there: skip on a laptop, fail in CI. */
final class TestServers {
  private TestServers() {}

  /** Skips the calling test with {@code message}, or fails it when {@code CI=true}, where every server is required. */
  static void unavailable(String message, Throwable cause) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " With CI=true these tests are mandatory.", cause);
    }
    Assumptions.abort(message);
  }
}
