package dev.loopwork.testsupport;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Waits for a count that other threads or processes move (iterations, ticks) to stand still, for
 * tests of what stops it moving (a pause): an iteration granted just before may still end, so the
 * test cannot read the count at once.
 */
public final class Settled {
  private Settled() {}

  /**
   * Waits until {@code count} has not changed for {@code quiet}, at most {@code atMost}, and
   * returns it.
   *
   * @throws org.awaitility.core.ConditionTimeoutException if it keeps changing
   */
  public static int count(String what, IntSupplier count, Duration quiet, Duration atMost) {
    int[] last = {-1};
    await(what)
        .during(quiet)
        .atMost(atMost)
        .until(
            () -> {
              int now = count.getAsInt();
              boolean same = now == last[0];
              last[0] = now;
              return same;
            });
    return last[0];
  }
}
