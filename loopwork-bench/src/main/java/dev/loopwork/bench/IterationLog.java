package dev.loopwork.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The iterations that replica processes ran, as they reported them on standard output, on the wall
 * clock they share (one machine), in microseconds since the epoch: a {@link #beginLine} as an
 * iteration begins, an {@link #endLine} with its start and end once it has ended. Thread-safe.
 */
final class IterationLog {
  /** The prefix of the line that reports a begun iteration. */
  static final String BEGIN = "BEGIN ";

  /** The prefix of the line that reports an ended iteration. */
  static final String END = "RUN ";

  /** One iteration of one service on one replica. */
  record Iteration(String service, String replica, long startMicros, long endMicros) {}

  /** The replica that began the latest iteration of a service, and when. */
  private record Begun(String replica, long startMicros) {}

  private final List<Iteration> iterations = new ArrayList<>();
  // Every iteration that began (its end unknown: the start stands for it), also one that never
  // ended.
  private final List<Iteration> begunAll = new ArrayList<>();
  private final Map<String, Begun> latestBegun = new HashMap<>();

  /** The line a replica prints as an iteration begins. */
  static String beginLine(String service, String replica, long startMicros) {
    return BEGIN + service + " " + replica + " " + startMicros;
  }

  /** The line a replica prints once an iteration has ended. */
  static String endLine(String service, String replica, long startMicros, long endMicros) {
    return END + service + " " + replica + " " + startMicros + " " + endMicros;
  }

  /** Microseconds since the epoch, now. */
  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  /**
   * Takes in {@code line} if it reports an iteration; returns whether it did.
   *
   * @throws IllegalArgumentException if it starts like such a line but is malformed
   */
  boolean addLine(String line) {
    if (line.startsWith(BEGIN)) {
      String[] f = fields(line, BEGIN, 3);
      begun(f[0], f[1], Long.parseLong(f[2]));
      return true;
    }
    if (line.startsWith(END)) {
      String[] f = fields(line, END, 4);
      add(new Iteration(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
      return true;
    }
    return false;
  }

  private static String[] fields(String line, String prefix, int count) {
    String[] f = line.substring(prefix.length()).split(" ");
    if (f.length != count) {
      throw new IllegalArgumentException(
          "iteration line must be \""
              + BEGIN
              + "service replica start\" or \""
              + END
              + "service replica start end\": "
              + line);
    }
    return f;
  }

  synchronized void begun(String service, String replica, long startMicros) {
    latestBegun.put(service, new Begun(replica, startMicros));
    begunAll.add(new Iteration(service, replica, startMicros, startMicros));
  }

  synchronized void add(Iteration iteration) {
    iterations.add(iteration);
  }

  /**
   * The replica among {@code live}, if it is still alive, that ran the latest iteration of {@code
   * service}.
   */
  Optional<ReplicaProcess> latestLiveRunner(String service, List<ReplicaProcess> live) {
    return latestRunner(service)
        .flatMap(id -> live.stream().filter(r -> r.replica.equals(id) && r.isAlive()).findFirst());
  }

  /** The replica that began the latest iteration of {@code service}, if any began. */
  synchronized Optional<String> latestRunner(String service) {
    return Optional.ofNullable(latestBegun.get(service)).map(Begun::replica);
  }

  /**
   * The start of the latest iteration of {@code service} that had begun before {@code
   * beforeMicros}, ended or not (a replica killed inside an iteration never reports its end), if
   * any.
   */
  synchronized Optional<Long> lastStartBefore(String service, long beforeMicros) {
    Optional<Long> ended =
        iterations.stream()
            .filter(i -> i.service().equals(service) && i.startMicros() < beforeMicros)
            .map(Iteration::startMicros)
            .max(Long::compare);
    Begun latest = latestBegun.get(service);
    if (latest != null
        && latest.startMicros() < beforeMicros
        && (ended.isEmpty() || latest.startMicros() > ended.get())) {
      return Optional.of(latest.startMicros());
    }
    return ended;
  }

  /**
   * The first iteration of {@code service} on a replica other than {@code replica} that started
   * after a time.
   */
  synchronized Optional<Iteration> firstElsewhereAfter(
      String service, String replica, long afterMicros) {
    return iterations.stream()
        .filter(
            i ->
                i.service().equals(service)
                    && !i.replica().equals(replica)
                    && i.startMicros() > afterMicros)
        .min(Comparator.comparingLong(Iteration::startMicros));
  }

  /** How many distinct services started an iteration after a time. */
  synchronized int servicesStartedAfter(long afterMicros) {
    Set<String> services = new HashSet<>();
    for (Iteration i : iterations) {
      if (i.startMicros() > afterMicros) {
        services.add(i.service());
      }
    }
    return services.size();
  }

  /** How many iterations started in {@code [fromMicros, toMicros)}. */
  synchronized long startedBetween(long fromMicros, long toMicros) {
    return iterations.stream()
        .filter(i -> i.startMicros() >= fromMicros && i.startMicros() < toMicros)
        .count();
  }

  /**
   * Iterations that started in {@code [fromMicros, toMicros)} on another replica than the previous
   * iteration of the same service: how often services moved between replicas.
   */
  synchronized long movesBetween(long fromMicros, long toMicros) {
    long moves = 0;
    for (List<Iteration> runs : byServiceInStartOrder().values()) {
      for (int k = 1; k < runs.size(); k++) {
        Iteration run = runs.get(k);
        if (run.startMicros() >= fromMicros
            && run.startMicros() < toMicros
            && !run.replica().equals(runs.get(k - 1).replica())) {
          moves++;
        }
      }
    }
    return moves;
  }

  /**
   * Iterations of one service on one replica that began while an iteration of the same service on
   * another replica was still running (their time spans intersect). Must be 0 for a peer that keeps
   * its promise.
   */
  synchronized int overlapping() {
    int count = 0;
    for (List<Iteration> runs : byServiceInStartOrder().values()) {
      Iteration longest = null;
      for (Iteration run : runs) {
        if (longest != null
            && run.startMicros() < longest.endMicros()
            && !run.replica().equals(longest.replica())) {
          count++;
        }
        if (longest == null || run.endMicros() > longest.endMicros()) {
          longest = run;
        }
      }
    }
    return count;
  }

  /**
   * Iterations that started less than {@code minGapMicros} after the previous iteration of the same
   * service on another replica: the same slot run twice, even if the two did not overlap. Counts
   * every iteration that began, also one whose replica was killed before it ended.
   */
  synchronized int closerThan(long minGapMicros) {
    int count = 0;
    for (List<Iteration> runs : byServiceInStartOrder(begunAll).values()) {
      for (int k = 1; k < runs.size(); k++) {
        Iteration before = runs.get(k - 1);
        Iteration run = runs.get(k);
        if (!run.replica().equals(before.replica())
            && run.startMicros() - before.startMicros() < minGapMicros) {
          count++;
        }
      }
    }
    return count;
  }

  /** How many iterations {@code replica} has ended. */
  synchronized long endedBy(String replica) {
    return iterations.stream().filter(i -> i.replica().equals(replica)).count();
  }

  synchronized int size() {
    return iterations.size();
  }

  private Map<String, List<Iteration>> byServiceInStartOrder() {
    return byServiceInStartOrder(iterations);
  }

  private static Map<String, List<Iteration>> byServiceInStartOrder(List<Iteration> iterations) {
    Map<String, List<Iteration>> byService = new HashMap<>();
    for (Iteration i : iterations) {
      byService.computeIfAbsent(i.service(), s -> new ArrayList<>()).add(i);
    }
    byService.values().forEach(list -> list.sort(Comparator.comparingLong(Iteration::startMicros)));
    return byService;
  }
}
