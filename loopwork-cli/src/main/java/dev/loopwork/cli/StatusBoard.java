package dev.loopwork.cli;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What this replica knows of its services: state, iterations, last start, outcome and duration,
 * failures in a row and next run. A listener on the host's engine; only services {@linkplain #list
 * listed} are tracked. Thread-safe; callbacks only update memory.
 */
final class StatusBoard implements LoopListener {
  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;

  /** A board whose cron services' first fires are computed from {@code clock}'s time. */
  StatusBoard(Clock clock) {
    this.clock = clock;
  }

  /** How a service is listed: its settings, which do not change while the host runs. */
  record Listing(
      String name, String kind, String coordination, boolean enabled, ScheduleSpec schedule) {}

  /**
   * One service's status on this replica.
   *
   * @param listing its settings
   * @param state its lifecycle state, {@code DISABLED} when not enabled
   * @param iterations iterations run here since the host started
   * @param lastStart when the last iteration started here, or null
   * @param lastOutcome how it ended, or null
   * @param lastDuration how long it took, or null
   * @param failuresInRow failures in a row
   * @param nextRun when the next iteration is due: for a cron service its next fire; for an
   *     interval service null before the first iteration
   */
  record Status(
      Listing listing,
      String state,
      long iterations,
      Instant lastStart,
      String lastOutcome,
      Duration lastDuration,
      int failuresInRow,
      Instant nextRun) {}

  /** Tracks the service named in {@code listing}. */
  void list(Listing listing) {
    entries.put(listing.name(), new Entry(listing));
  }

  /** Whether every enabled service is running (or is in its first start). */
  boolean allRunning() {
    return entries.values().stream()
        .filter(e -> e.listing.enabled())
        .allMatch(e -> e.state == LoopState.RUNNING);
  }

  @Override
  public void onStateChange(LoopService service, LoopState from, LoopState to) {
    Entry entry = entries.get(service.name());
    if (entry != null) {
      entry.state = to;
    }
  }

  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    Entry entry = entries.get(result.serviceName());
    if (entry != null) {
      entry.record(result);
    }
  }

  /** The status of every listed service, in name order. */
  List<Status> snapshot() {
    List<Status> all = new ArrayList<>();
    Instant now = clock.instant();
    entries.values().forEach(e -> all.add(e.status(now)));
    all.sort(java.util.Comparator.comparing(s -> s.listing().name()));
    return all;
  }

  /** The status of the service named {@code name}, or null if it is not listed. */
  Status status(String name) {
    Entry entry = entries.get(name);
    return entry == null ? null : entry.status(clock.instant());
  }

  static final class Entry {
    final Listing listing;
    volatile LoopState state = LoopState.NEW;
    private long iterations;
    private IterationResult last;

    Entry(Listing listing) {
      this.listing = listing;
    }

    synchronized void record(IterationResult result) {
      iterations++;
      last = result;
    }

    /**
     * The status at {@code now}. Before the first iteration a cron service is due at its first fire
     * after now; after one, any service at its schedule's next time after that iteration's start,
     * or at its end if it ran past that time.
     */
    synchronized Status status(Instant now) {
      String shownState = listing.enabled() ? state.name() : "DISABLED";
      if (last == null) {
        Instant first =
            listing.schedule() instanceof ScheduleSpec.Cron cron ? cron.nextAfter(now) : null;
        return new Status(listing, shownState, 0, null, null, null, 0, first);
      }
      Instant end = last.startedAt().plus(last.duration());
      Instant due = listing.schedule().nextAfter(last.startedAt());
      return new Status(
          listing,
          shownState,
          iterations,
          last.startedAt(),
          last.outcome().name(),
          last.duration(),
          last.consecutiveFailures(),
          due.isBefore(end) ? end : due);
    }
  }
}
