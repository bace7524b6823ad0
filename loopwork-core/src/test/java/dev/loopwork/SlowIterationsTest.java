package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Iterations that block (a slow query, a stuck call) never hold up the other services of the
 * default engine.
 */
class SlowIterationsTest {

  @Test
  void servicesKeepTheirScheduleWhileManyOthersAreBlocked() throws InterruptedException {
    int blocked = 4 * Math.max(2, Runtime.getRuntime().availableProcessors());
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    LoopOptions options =
        LoopOptions.builder().loopInterval(Duration.ofSeconds(1000)).handleSignals(false).build();
    List<LoopHandle> handles = new ArrayList<>();
    for (int i = 0; i < blocked; i++) {
      handles.add(
          LoopService.of(
                  "blocked-" + i,
                  options,
                  () -> {
                    inside.incrementAndGet();
                    release.await();
                  })
              .startAsync());
    }
    AtomicInteger ticks = new AtomicInteger();
    LoopHandle ticker =
        LoopService.of(
                "ticker",
                LoopOptions.builder()
                    .loopInterval(Duration.ofMillis(10))
                    .handleSignals(false)
                    .build(),
                ticks::incrementAndGet)
            .startAsync();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> inside.get() == blocked && ticks.get() >= 20);
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

  /**
   * A bulk stop is isolated per run: while the first service's {@code onStop} blocks (until every
   * other service has stopped), the others are stopped by other threads. Without the bulk stop's
   * stall check they would wait behind it for ever.
   */
  @Test
  void aBlockedOnStopHoldsUpNoOtherServiceOfAStopAll() throws InterruptedException {
    int others = 50;
    CountDownLatch othersStopped = new CountDownLatch(others);
    CountDownLatch blockedOnStop = new CountDownLatch(1);
    LoopEngine engine = LoopEngine.defaultEngine();
    List<LoopHandle> handles = new ArrayList<>();
    handles.add(
        engine.start(
            new LoopService(Duration.ofSeconds(1000), false) {
              @Override
              protected void runOnce() {}

              @Override
              protected void onStop() throws InterruptedException {
                blockedOnStop.countDown();
                othersStopped.await();
              }
            }));
    for (int i = 0; i < others; i++) {
      handles.add(
          engine.start(
              new LoopService(Duration.ofSeconds(1000), false) {
                @Override
                protected void runOnce() {}

                @Override
                protected void onStop() {
                  othersStopped.countDown();
                }
              }));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> handles.stream().allMatch(h -> h.service().isRunning()));

    Thread stopper =
        new Thread(
            () -> {
              try {
                engine.stopAll(handles);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    stopper.start();
    stopper.join(Duration.ofSeconds(30).toMillis());

    assertThat(stopper.isAlive()).isFalse();
    assertThat(blockedOnStop.getCount()).isZero();
    assertThat(handles).allMatch(LoopHandle::isDone);
  }
}
