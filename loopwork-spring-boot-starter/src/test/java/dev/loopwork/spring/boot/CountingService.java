package dev.loopwork.spring.boot;

import dev.loopwork.LoopService;
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
}
