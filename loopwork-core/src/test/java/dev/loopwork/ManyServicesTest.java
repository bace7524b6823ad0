package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * 100,000 services with a one-second interval in this JVM: no thread is held while a service waits.
 */
class ManyServicesTest {
  private static final int SERVICES = 100_000;

  @Test
  void runsOneHundredThousandOneSecondServicesWithoutAThreadEach() throws InterruptedException {
    LongAdder iterations = new LongAdder();
    LoopOptions options =
        LoopOptions.builder().loopInterval(Duration.ofSeconds(1)).handleSignals(false).build();
    List<LoopHandle> handles = new ArrayList<>(SERVICES);
    int threadsBefore = Thread.activeCount();
    for (int i = 0; i < SERVICES; i++) {
      handles.add(LoopService.of("s" + i, options, iterations::increment).startAsync());
    }
    // Every service runs at once, then again one second later: at least three rounds in all.
    await().atMost(Duration.ofSeconds(60)).until(() -> iterations.sum() >= 3L * SERVICES);
    int threadsDuring = Thread.activeCount();
    assertThat(threadsDuring - threadsBefore)
        .as("threads added for %d services", SERVICES)
        .isLessThan(500);

    long stopStart = System.nanoTime();
    handles.forEach(LoopHandle::stop);
    for (LoopHandle handle : handles) {
      assertThat(handle.await(Duration.ofSeconds(60))).isTrue();
    }
    Duration stopAll = Duration.ofNanos(System.nanoTime() - stopStart);
    assertThat(stopAll).isLessThan(Duration.ofSeconds(30));
    assertThat(handles)
        .allSatisfy(h -> assertThat(h.service().state()).isEqualTo(LoopState.STOPPED));
  }
}
