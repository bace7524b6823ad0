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
 * Overrun: one service whose body takes {@code bodyMs} (150) on an interval of {@code intervalMs}
 * (100) for {@code slow} (20) iterations, then {@code fast} (5) trivial iterations that show
 * whether missed runs are caught up in a burst. Reports the start offsets, their {@link
 * OverrunPattern} and what the peer logged at WARN and above.
 */
final class OverrunScenario implements Scenario {

  @Override
  public Map<String, Object> run(Peer peer, Params params) throws InterruptedException {
    int slow = params.integer("slow", 20);
    int total = slow + params.integer("fast", 5);
    long bodyMs = params.integer("bodyMs", 150);
    Duration interval = params.millis("intervalMs", 100);
    long[] starts = new long[total];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    Runnable body =
        () -> {
          int k = next.getAndIncrement();
          if (k >= total) {
            return;
          }
          starts[k] = System.nanoTime();
          if (k < slow) {
            sleep(bodyMs);
          }
          if (k == total - 1) {
            done.countDown();
          }
        };
    List<String> logged;
    try (LogCapture capture = new LogCapture()) {
      peer.start(List.of(body), interval);
      boolean finished =
          done.await(total * (bodyMs + interval.toMillis()) * 3 + 10_000, TimeUnit.MILLISECONDS);
      peer.stopAll();
      if (!finished) {
        throw new IllegalStateException(
            peer.id() + " ran " + next.get() + " of " + total + " iterations in time");
      }
      logged = capture.lines();
    }
    double[] offsetsMs = Arrays.stream(starts).mapToDouble(s -> (s - starts[0]) / 1e6).toArray();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bodyMs", bodyMs);
    result.put("intervalMs", interval.toMillis());
    result.put("slowIterations", slow);
    result.put("fastIterations", total - slow);
    result.putAll(OverrunPattern.classify(offsetsMs, slow, bodyMs, interval.toMillis()).figures());
    result.put(
        "startOffsetsMs", Arrays.stream(offsetsMs).map(o -> Math.round(o * 10) / 10.0).toArray());
    result.put("warnLines", logged.size());
    result.put("firstWarn", logged.isEmpty() ? "" : logged.get(0));
    return result;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
