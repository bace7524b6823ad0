package dev.loopwork;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What happened in one iteration of a loop service, as reported to {@link
 * LoopListener#onIterationEnd}.
 *
 * @param serviceName the service's {@link LoopService#name()}
 * @param iteration the iteration's number within the current run, starting at 1
 * @param startedAt the wall-clock time the iteration started, read from the engine's clock
 * @param duration how long {@code runOnce} took
 * @param outcome how it ended
 * @param error the exception it threw, or {@code null} when it succeeded
 * @param overrun whether it took longer than the service's (non-zero) loop interval
 * @param consecutiveFailures failures in a row including this one; 0 after a success
 * @param fencingToken the fencing token the iteration ran under, as its coordinator granted it;
 *     empty for an iteration run without a coordinator
 */
public record IterationResult(
    String serviceName,
    long iteration,
    Instant startedAt,
    Duration duration,
    IterationOutcome outcome,
    Throwable error,
    boolean overrun,
    int consecutiveFailures,
    OptionalLong fencingToken) {

  /** A result with no fencing token: an iteration run without a coordinator. */
  public IterationResult(
      String serviceName,
      long iteration,
      Instant startedAt,
      Duration duration,
      IterationOutcome outcome,
      Throwable error,
      boolean overrun,
      int consecutiveFailures) {
    this(
        serviceName,
        iteration,
        startedAt,
        duration,
        outcome,
        error,
        overrun,
        consecutiveFailures,
        OptionalLong.empty());
  }

  /** The exception the iteration threw, if any. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(error);
  }
}
