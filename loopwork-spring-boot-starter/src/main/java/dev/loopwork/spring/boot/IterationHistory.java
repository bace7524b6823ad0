package dev.loopwork.spring.boot;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.RunHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last iteration of each service that ran in this application, for the actuator endpoint.
 * Thread-safe.
 */
final class IterationHistory implements LoopListener {
  private final Map<String, Last> last = new ConcurrentHashMap<>();

  /** The last iteration of one service: when it started, how long it took, how it ended. */
  record Last(
      Instant startedAt,
      Duration duration,
      IterationOutcome outcome,
      int consecutiveFailures,
      String error) {}

  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    String error = result.error() == null ? null : result.error().toString();
    last.put(
        service.name(),
        new Last(
            result.startedAt(),
            result.duration(),
            result.outcome(),
            result.consecutiveFailures(),
            error));
  }

  /** The last iteration of {@code service} here, or {@code null} if none ran here. */
  Last of(String service) {
    return last.get(service);
  }

  /**
   * The later of {@code here} and {@code journaled}, either of which may be null: the journal knows
   * the iterations of every instance, this instance knows its own a moment before the journal does.
   * Failures in a row are this instance's.
   */
  static Last latest(Last here, RunHistory.Run journaled) {
    if (journaled == null || here != null && !here.startedAt().isBefore(journaled.startedAt())) {
      return here;
    }
    return new Last(
        journaled.startedAt(),
        journaled.duration(),
        journaled.outcome(),
        here == null ? 0 : here.consecutiveFailures(),
        journaled.error());
  }
}
