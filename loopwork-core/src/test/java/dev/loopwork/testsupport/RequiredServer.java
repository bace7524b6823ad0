package dev.loopwork.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a real server or tool it needs (PostgreSQL, MariaDB, PgBouncer, Chromium, a
 * cluster of its own) is not there: on a developer's machine it is skipped with a message that says
 * how to get it; under CI ({@code CI=true}), where {@code .ci/run} provides every one, it fails.
 *
 * <p>In the test-jar of loopwork-core, for the tests of every module; a package of its own, outside
 * the engine's module, so that modular test compilations can read it.
 */
public final class RequiredServer {
  private RequiredServer() {}

  /**
   * Skips the calling test with {@code message}, or fails it with {@code cause} when {@code
   * CI=true}.
   */
  public static void missing(String message, Throwable cause) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " With CI=true this test is mandatory.", cause);
    }
    Assumptions.abort(message);
  }
}
