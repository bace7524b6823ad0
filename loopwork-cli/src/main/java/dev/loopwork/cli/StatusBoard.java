package dev.loopwork.cli;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
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

  /** How a service is listed: its settings, which do not change while the host runs. */
  record Listing(
      String name, String kind, String coordination, boolean enabled, Duration interval) {}

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
   * @param nextRun when the next iteration is due, or null before the first
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
    entries.values().forEach(e -> all.add(e.status()));
    all.sort(java.util.Comparator.comparing(s -> s.listing().name()));
    return all;
  }

  /** The status of the service named {@code name}, or null if it is not listed. */
  Status status(String name) {
    Entry entry = entries.get(name);
    return entry == null ? null : entry.status();
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

    synchronized Status status() {
      String shownState = listing.enabled() ? state.name() : "DISABLED";
      if (last == null) {
        return new Status(listing, shownState, 0, null, null, null, 0, null);
      }
      Instant end = last.startedAt().plus(last.duration());
      Instant due = last.startedAt().plus(listing.interval());
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
