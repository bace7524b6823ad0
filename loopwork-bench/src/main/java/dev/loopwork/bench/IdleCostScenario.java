package dev.loopwork.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Idle cost: {@code services} (1,000) services with a {@code intervalS} (60 s) interval; once all
 * have run their first iteration, the CPU time and the thread wake-ups over {@code windowS} (10 s).
 * Wake-ups are context switches from {@code /proc/self/task/<tid>/status}: of the peer's own
 * threads (by name), and of the whole process (which includes the JVM's own periodic threads, the
 * same for every peer).
 */
final class IdleCostScenario implements Scenario {
  private static final long SETTLE_MILLIS = 500;

  @Override
  public Map<String, Object> run(Peer peer, Params params) throws InterruptedException {
    int services = params.integer("services", 1_000);
    Duration interval = Duration.ofSeconds(params.integer("intervalS", 60));
    long windowMillis = params.integer("windowS", 10) * 1000L;
    CountDownLatch firstRuns = new CountDownLatch(services);
    LongAdder iterations = new LongAdder();
    List<Runnable> bodies = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      bodies.add(
          () -> {
            iterations.increment();
            firstRuns.countDown();
          });
    }
    peer.start(bodies, interval);
    if (!firstRuns.await(60, TimeUnit.SECONDS)) {
      peer.stopAll();
      throw new IllegalStateException(
          peer.id()
              + " started "
              + (services - firstRuns.getCount())
              + " of "
              + services
              + " services within 60 s");
    }
    Thread.sleep(SETTLE_MILLIS);
    var switchesBefore = ProcessProbe.contextSwitches();
    long cpuBefore = ProcessProbe.cpuNanos();
    long iterationsBefore = iterations.sum();
    Thread.sleep(windowMillis);
    long cpu = ProcessProbe.cpuNanos() - cpuBefore;
    long[] wakeups =
        ProcessProbe.switchesBetween(
            switchesBefore, ProcessProbe.contextSwitches(), peer.threadNamePrefixes());
    long iterationsInWindow = iterations.sum() - iterationsBefore;
    long threads = ProcessProbe.threadCount();
    peer.stopAll();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("services", services);
    result.put("intervalS", interval.toSeconds());
    result.put("windowS", windowMillis / 1000);
    result.put("cpuSeconds", cpu / 1e9);
    result.put("peerThreadWakeups", wakeups[0]);
    result.put("processWakeups", wakeups[1]);
    result.put("iterationsInWindow", iterationsInWindow);
    result.put("threads", threads);
    return result;
  }
}
