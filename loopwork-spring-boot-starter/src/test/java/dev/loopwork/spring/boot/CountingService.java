package dev.loopwork.spring.boot;

import dev.loopwork.LoopService;
import dev.loopwork.micrometer.LoopMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** A service that counts its iterations; built with the defaults, so with signal handling on. */
class CountingService extends LoopService {
  final AtomicInteger iterations = new AtomicInteger();
  private final String name;

  CountingService(String name, Duration interval) {
    super(interval);
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected void runOnce() {
    iterations.incrementAndGet();
  }

  /** The iterations of the service named {@code service} that {@code registry} counted. */
  static double iterations(MeterRegistry registry, String service) {
    return registry
        .find(LoopMetrics.ITERATIONS)
        .tag(LoopMetrics.TAG_SERVICE, service)
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
