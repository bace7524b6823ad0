package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loopwork.LoopService;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Compiles against loopwork-core, loopwork-jdbc and loopwork-test as a user outside the repository. */
class ExpireSessionsTest {
  @Test
  void theServiceIsALoopServiceOfThirtySeconds() {
    assertEquals(Duration.ofSeconds(30), new ExpireSessions().loopInterval());
  }

  @Test
  void aManualClockRunsOneIterationPerInterval() {
    ManualClock clock = new ManualClock();
    AtomicInteger runs = new AtomicInteger();
    LoopService service = LoopService.of("count", Duration.ofSeconds(30), runs::incrementAndGet);
    LoopTesting.engine(clock).start(service);
    clock.advance(Duration.ofMinutes(2));
    assertEquals(5, runs.get());
  }
}
