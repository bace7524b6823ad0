package dev.loopwork.test;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import java.util.ArrayList;
import java.util.List;

/** A listener that records what it sees, for assertions in tests. Thread-safe. */
public final class RecordingListener implements LoopListener {
  private final List<IterationResult> iterations = new ArrayList<>();
  private final List<String> events = new ArrayList<>();

  @Override
  public synchronized void onStateChange(LoopService service, LoopState from, LoopState to) {
    events.add(service.name() + " " + from + "->" + to);
  }

  @Override
  public synchronized void onIterationStart(LoopService service, long iteration) {
    events.add(service.name() + " start " + iteration);
  }

  @Override
  public synchronized void onIterationEnd(LoopService service, IterationResult result) {
    iterations.add(result);
    events.add(service.name() + " end " + result.iteration() + " " + result.outcome());
  }

  @Override
  public synchronized void onIterationSkipped(LoopService service, String reason) {
    events.add(service.name() + " skipped " + reason);
  }

  /** Every iteration result seen so far, in order. */
  public synchronized List<IterationResult> iterations() {
    return List.copyOf(iterations);
  }

  /**
   * Every event seen so far as text, e.g. {@code "Svc NEW->STARTING"}, {@code "Svc start 1"},
   * {@code "Svc end 1 SUCCEEDED"}, {@code "Svc skipped paused"}.
   */
  public synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** The state changes seen so far, e.g. {@code "Svc RUNNING->STOPPING"}. */
  public synchronized List<String> stateChanges() {
    return events.stream().filter(e -> e.contains("->")).toList();
  }
}
