package dev.loopwork.jdbc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The iterations that test services ran, across replicas of one JVM, with their times on one
 * monotonic clock.
 */
final class RunLog {
  record Run(String service, String replica, long startNanos, long endNanos, long fencingToken) {}

  private final List<Run> runs = new ArrayList<>();

  synchronized void add(Run run) {
    runs.add(run);
  }

  synchronized List<Run> runs() {
    return List.copyOf(runs);
  }

  synchronized List<Run> runsOf(String service) {
    return runs.stream().filter(r -> r.service().equals(service)).collect(Collectors.toList());
  }

  synchronized int count() {
    return runs.size();
  }

  /** Pairs of runs of one service that overlap in time: must be none. */
  synchronized List<String> overlaps() {
    List<String> found = new ArrayList<>();
    Map<String, List<Run>> byService = runs.stream().collect(Collectors.groupingBy(Run::service));
    for (List<Run> list : byService.values()) {
      list.sort(Comparator.comparingLong(Run::startNanos));
      for (int i = 1; i < list.size(); i++) {
        if (list.get(i).startNanos() < list.get(i - 1).endNanos()) {
          found.add(list.get(i - 1) + " overlaps " + list.get(i));
        }
      }
    }
    return found;
  }

  /**
   * A service that records every iteration in a log, and busies itself for {@code work} per
   * iteration.
   */
  static final class RecordedService extends JdbcLoopService {
    private final String name;
    private final String replica;
    private final RunLog log;
    private final long workNanos;

    RecordedService(String name, Duration interval, String replica, RunLog log, Duration work) {
      super(dev.loopwork.LoopOptions.builder().loopInterval(interval).handleSignals(false).build());
      this.name = name;
      this.replica = replica;
      this.log = log;
      this.workNanos = work.toNanos();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected void runOnce() {
      long start = System.nanoTime();
      while (System.nanoTime() - start < workNanos) {
        Thread.onSpinWait();
      }
      log.add(new Run(name, replica, start, System.nanoTime(), fencingToken().orElse(-1)));
    }
  }
}
