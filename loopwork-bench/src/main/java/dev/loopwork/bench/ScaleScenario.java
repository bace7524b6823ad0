package dev.loopwork.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;

/**
 * Scale: {@code services} services with a {@code intervalS} (1 s) interval held for {@code holdS}
 * (10 s; 0 measures only starting and stopping). Reports the time until every service has run its
 * first iteration, the CPU time over the hold, the period error of starts (|time since the previous
 * start - interval|, p50/p99/max), the time to stop all, and the process's peak RSS. A peer that
 * may not start that many services is not started at all and the result says why: its largest point
 * at or under its limit is the bounded attempt.
 */
final class ScaleScenario implements Scenario {
  private static final long HOUR_MICROS = 3_600_000_000L;
  private static final long START_BOUND_SECONDS = 180;

  @Override
  public Map<String, Object> run(Peer peer, Params params) throws InterruptedException {
    Duration interval = Duration.ofSeconds(params.integer("intervalS", 1));
    long holdMillis = params.integer("holdS", 10) * 1000L;
    int services = params.integer("services", 1_000);

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("requestedServices", services);
    if (services > peer.maxServices()) {
      result.put("reached", false);
      result.put("limit", peer.limitReason());
      return result;
    }
    AtomicHistogram periodErrorMicros = new AtomicHistogram(HOUR_MICROS, 2);
    CountDownLatch firstRuns = new CountDownLatch(services);
    LongAdder iterations = new LongAdder();
    List<Runnable> bodies = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      bodies.add(new ScheduleProbe(interval.toNanos(), periodErrorMicros, firstRuns, iterations));
    }

    long begin = System.nanoTime();
    peer.start(bodies, interval);
    boolean allStarted = firstRuns.await(START_BOUND_SECONDS, TimeUnit.SECONDS);
    result.put("startAllMs", (System.nanoTime() - begin) / 1e6);
    result.put("allStarted", allStarted);
    if (allStarted && holdMillis > 0) {
      long cpuBefore = ProcessProbe.cpuNanos();
      long iterationsBefore = iterations.sum();
      Thread.sleep(holdMillis);
      double cpuSeconds = (ProcessProbe.cpuNanos() - cpuBefore) / 1e9;
      result.put("holdS", holdMillis / 1000);
      result.put("cpuSeconds", cpuSeconds);
      result.put("cpuSecondsPerSecond", cpuSeconds / (holdMillis / 1000.0));
      result.put("iterationsInHold", iterations.sum() - iterationsBefore);
      result.put("expectedIterationsInHold", services * (holdMillis / interval.toMillis()));
      result.put("periodErrorP50Ms", periodErrorMicros.getValueAtPercentile(50) / 1000.0);
      result.put("periodErrorP99Ms", periodErrorMicros.getValueAtPercentile(99) / 1000.0);
      result.put("periodErrorMaxMs", periodErrorMicros.getMaxValue() / 1000.0);
    }
    result.put("threads", ProcessProbe.threadCount());
    long stopBegin = System.nanoTime();
    peer.stopAll();
    result.put("stopAllMs", (System.nanoTime() - stopBegin) / 1e6);
    result.put("peakRssMb", ProcessProbe.peakRssBytes() / (1024.0 * 1024.0));
    return result;
  }
}
