package dev.loopwork.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scheduling jitter: one service with a trivial body; the deviation of each start from the ideal
 * schedule, and its drift. The ideal schedule is {@code anchor + k * interval} with the anchor at
 * the median phase of all starts, so that a slow first start (class loading) does not shift every
 * other deviation; the drift is the Theil-Sen slope of the deviation over k, which a few late
 * wake-ups cannot tilt. Parameters: {@code iterations} (200), {@code intervalMs} (50).
 */
final class JitterScenario implements Scenario {

  @Override
  public Map<String, Object> run(Peer peer, Params params) throws InterruptedException {
    int iterations = params.integer("iterations", 200);
    Duration interval = params.millis("intervalMs", 50);
    long[] starts = new long[iterations];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    Runnable body =
        () -> {
          int k = next.getAndIncrement();
          if (k < iterations) {
            starts[k] = System.nanoTime();
            if (k == iterations - 1) {
              done.countDown();
            }
          }
        };
    peer.start(List.of(body), interval);
    long bound = interval.multipliedBy(iterations).multipliedBy(3).plusSeconds(10).toMillis();
    boolean finished = done.await(bound, TimeUnit.MILLISECONDS);
    peer.stopAll();
    if (!finished) {
      throw new IllegalStateException(
          peer.id()
              + " ran "
              + next.get()
              + " of "
              + iterations
              + " iterations in "
              + bound
              + " ms");
    }
    double[] index = new double[iterations];
    double[] phaseMs = new double[iterations];
    for (int k = 0; k < iterations; k++) {
      index[k] = k;
      phaseMs[k] = (starts[k] - starts[0] - k * interval.toNanos()) / 1e6;
    }
    double anchor = new Samples(phaseMs).median();
    double[] deviationMs = Arrays.stream(phaseMs).map(p -> p - anchor).toArray();
    Samples samples = new Samples(Arrays.stream(deviationMs).map(Math::abs).toArray());
    double slope = Samples.robustSlope(index, deviationMs);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("iterations", iterations);
    result.put("intervalMs", interval.toMillis());
    result.put("p50Ms", samples.median());
    result.put("p99Ms", samples.percentile(99));
    result.put("maxMs", samples.max());
    result.put("lastDeviationMs", deviationMs[deviationMs.length - 1]);
    result.put("driftMsPerIteration", slope);
    result.put("driftMsPer10000Iterations", slope * 10_000);
    result.put(
        "deviationsMs",
        Arrays.stream(deviationMs).map(d -> Math.round(d * 1000) / 1000.0).toArray());
    return result;
  }
}
