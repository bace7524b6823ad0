package dev.loopwork.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stop latency: one idle service with a 1000 s interval, past its first run; the time the blocking
 * stop takes to return. Parameters: {@code trials} (300, the number issue 11 asks for its p99)
 * measured after {@code warmup} (10) unmeasured ones.
 */
final class StopLatencyScenario implements Scenario {
  private static final Duration INTERVAL = Duration.ofSeconds(1000);

  /**
   * Long enough for the first run to have returned and the service to be waiting for its second.
   */
  private static final long SETTLE_MILLIS = 20;

  @Override
  public Map<String, Object> run(Peer peer, Params params) throws InterruptedException {
    int warmup = params.integer("warmup", 10);
    int trials = params.integer("trials", 300);
    double[] millis = new double[trials];
    for (int i = -warmup; i < trials; i++) {
      CountDownLatch firstRun = new CountDownLatch(1);
      peer.start(List.of(firstRun::countDown), INTERVAL);
      if (!firstRun.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException(peer.id() + " did not run its first iteration within 10 s");
      }
      Thread.sleep(SETTLE_MILLIS);
      long begin = System.nanoTime();
      peer.stopAll();
      long took = System.nanoTime() - begin;
      if (i >= 0) {
        millis[i] = took / 1e6;
      }
    }
    Samples samples = new Samples(millis);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("trials", trials);
    result.put("warmupTrials", warmup);
    result.put("medianMs", samples.median());
    result.put("p99Ms", samples.percentile(99));
    result.put("maxMs", samples.max());
    return result;
  }
}
