package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Iterations that block (a slow query, a stuck call) never hold up the other services of the default engine. */
class SlowIterationsTest {

  @Test
  void servicesKeepTheirScheduleWhileManyOthersAreBlocked() throws InterruptedException {
    int blocked = 4 * Math.max(2, Runtime.getRuntime().availableProcessors());
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    LoopOptions options = LoopOptions.builder().loopInterval(Duration.ofSeconds(1000)).handleSignals(false).build();
    List<LoopHandle> handles = new ArrayList<>();
    for (int i = 0; i < blocked; i++) {
      handles.add(LoopService.of("blocked-" + i, options, () -> {
        inside.incrementAndGet();
        release.await();
      }).startAsync());
    }
    AtomicInteger ticks = new AtomicInteger();
    LoopHandle ticker = LoopService.of("ticker", LoopOptions.builder().loopInterval(Duration.ofMillis(10))
        .handleSignals(false).build(), ticks::incrementAndGet).startAsync();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> inside.get() == blocked && ticks.get() >= 20);
    } finally {
      release.countDown();
      ticker.stop();
      handles.forEach(LoopHandle::stop);
    }
    for (LoopHandle handle : handles) {
      assertThat(handle.await(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(ticker.await(Duration.ofSeconds(30))).isTrue();
  }
}
