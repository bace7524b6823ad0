package dev.loopwork.bench;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.cron.CronSchedule;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Cron accuracy (issue 16): one service on the 6-field expression {@value #EXPRESSION} (every
 * second, in UTC) with a body that only reads the wall clock ({@link Instant#now()}, microseconds
 * on Linux). The start error of a fire is its start minus the whole second it is scheduled for
 * (positive: late); a start up to {@value #EARLY_TOLERANCE_MS} ms before a whole second counts as
 * an early fire of that second, any later one as a late fire of the second before. Parameters:
 * {@code fires} (200, measured after {@code warmup}, 2, which are not).
 *
 * <p>Peers ({@link #PEERS}): {@code loopwork}, a {@link LoopService} with {@link
 * LoopOptions.Builder#schedule} {@link CronSchedule} on {@link LoopEngine#defaultEngine()}; {@code
 * spring}, a {@link CronTrigger} on a {@link ThreadPoolTaskScheduler} with one thread per core.
 */
final class CronScenario {
  /** The scenario's name on the command line. */
  static final String NAME = "cron";

  /** The peers measured, in the order of the table. */
  static final List<String> PEERS = List.of("loopwork", "spring");

  /** The expression both peers run: every second. */
  static final String EXPRESSION = "* * * * * *";

  /** How early a start may be and still count for the whole second after it. */
  static final long EARLY_TOLERANCE_MS = 100;

  private static final long SECOND_NANOS = 1_000_000_000L;

  /** Measures {@code peerId} (one of {@link #PEERS}) and returns the figures by name. */
  Map<String, Object> run(String peerId, Params params) throws Exception {
    int fires = params.integer("fires", 200);
    int warmup = params.integer("warmup", 2);
    long[] starts = new long[warmup + fires];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    Runnable body =
        () -> {
          Instant now = Instant.now();
          int k = next.getAndIncrement();
          if (k < starts.length) {
            starts[k] = now.getEpochSecond() * SECOND_NANOS + now.getNano();
            if (k == starts.length - 1) {
              done.countDown();
            }
          }
        };
    long boundSeconds = starts.length * 2L + 30;
    boolean finished;
    try (Started service = start(peerId, body)) {
      finished = done.await(boundSeconds, TimeUnit.SECONDS);
    }
    if (!finished) {
      throw new IllegalStateException(
          peerId
              + " ran "
              + next.get()
              + " of "
              + starts.length
              + " fires in "
              + boundSeconds
              + " s");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("expression", EXPRESSION);
    result.putAll(figures(Arrays.copyOfRange(starts, warmup, starts.length)));
    return result;
  }

  /**
   * The figures of the starts {@code startNanos} (wall clock, nanoseconds since the epoch, in the
   * order they ran): count, start error p50 / p99 / max / min (ms), the fires before their second,
   * the seconds that ran twice and those skipped between the first and the last, and every error.
   */
  static Map<String, Object> figures(long[] startNanos) {
    double[] errorsMs = new double[startNanos.length];
    int early = 0;
    int twice = 0;
    long skipped = 0;
    long previousSecond = Long.MIN_VALUE;
    for (int k = 0; k < startNanos.length; k++) {
      long second = Math.floorDiv(startNanos[k] + EARLY_TOLERANCE_MS * 1_000_000, SECOND_NANOS);
      errorsMs[k] = (startNanos[k] - second * SECOND_NANOS) / 1e6;
      early += errorsMs[k] < 0 ? 1 : 0;
      if (previousSecond != Long.MIN_VALUE) {
        twice += second == previousSecond ? 1 : 0;
        skipped += Math.max(0, second - previousSecond - 1);
      }
      previousSecond = second;
    }
    Samples samples = new Samples(errorsMs);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("fires", startNanos.length);
    result.put("p50Ms", samples.median());
    result.put("p99Ms", samples.percentile(99));
    result.put("maxMs", samples.max());
    result.put("minMs", samples.min());
    result.put("earlyFires", early);
    result.put("secondsRunTwice", twice);
    result.put("secondsSkipped", skipped);
    result.put(
        "errorsMs", Arrays.stream(errorsMs).map(e -> Math.round(e * 1000) / 1000.0).toArray());
    return result;
  }

  /** A cron service that runs until closed. */
  private interface Started extends AutoCloseable {
    @Override
    void close();
  }

  private static Started start(String peerId, Runnable body) {
    switch (peerId) {
      case "loopwork":
        return startLoopwork(body);
      case "spring":
        return startSpring(body);
      default:
        throw new IllegalArgumentException(
            "cron peer must be one of " + PEERS + ": \"" + peerId + "\"");
    }
  }

  private static Started startLoopwork(Runnable body) {
    LoopOptions options =
        LoopOptions.builder()
            .schedule(CronSchedule.parse(EXPRESSION, ZoneOffset.UTC))
            .handleSignals(false)
            .build();
    LoopEngine engine = LoopEngine.defaultEngine();
    LoopHandle handle = engine.start(LoopService.of("cron", options, body::run));
    return () -> Interrupts.runUninterruptibly(() -> engine.stopAll(List.of(handle)));
  }

  private static Started startSpring(Runnable body) {
    ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
    scheduler.setPoolSize(Runtime.getRuntime().availableProcessors());
    scheduler.setThreadNamePrefix("spring-");
    scheduler.setDaemon(true);
    scheduler.initialize();
    scheduler.schedule(body, new CronTrigger(EXPRESSION, ZoneOffset.UTC));
    return scheduler::shutdown;
  }
}
