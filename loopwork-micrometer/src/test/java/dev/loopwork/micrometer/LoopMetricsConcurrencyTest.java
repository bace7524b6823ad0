package dev.loopwork.micrometer;

import static dev.loopwork.micrometer.LoopMetrics.ITERATIONS;
import static dev.loopwork.micrometer.LoopMetrics.ITERATION_DURATION;
import static dev.loopwork.micrometer.LoopMetrics.SERVICE_STATE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_OUTCOME;
import static dev.loopwork.micrometer.LoopMetrics.TAG_SERVICE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_STATE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Services on real worker threads, all recording into one listener at once, while a registry is
 * bound late.
 */
class LoopMetricsConcurrencyTest {
  private static final int SERVICES = 8;
  private static final int LOOPS = 300;

  @Test
  void countsEveryIterationOfServicesRunningConcurrently() throws InterruptedException {
    SimpleMeterRegistry early = new SimpleMeterRegistry();
    SimpleMeterRegistry late = new SimpleMeterRegistry();
    LoopMetrics metrics = LoopMetrics.of(early);
    LoopEngine engine = LoopEngine.builder().listener(metrics).build();
    LoopOptions backToBack =
        LoopOptions.builder().loopInterval(Duration.ZERO).handleSignals(false).build();
    List<AtomicLong> failures = new ArrayList<>();
    List<LoopHandle> handles = new ArrayList<>();

    for (int i = 0; i < SERVICES; i++) {
      AtomicLong runs = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      failures.add(failed);
      LoopService service =
          LoopService.of(
              "svc-" + i,
              backToBack,
              () -> {
                if (runs.incrementAndGet() % 3 == 0) {
                  failed.incrementAndGet();
                  throw new IllegalStateException("every third iteration fails");
                }
              });
      handles.add(engine.start(service, LOOPS));
    }
    metrics.bindTo(late);
    for (LoopHandle handle : handles) {
      assertThat(handle.await(Duration.ofSeconds(60))).as("%s ended", handle.service()).isTrue();
    }

    for (int i = 0; i < SERVICES; i++) {
      String name = "svc-" + i;
      double failed =
          early.get(ITERATIONS).tags(TAG_SERVICE, name, TAG_OUTCOME, "failed").counter().count();
      double succeeded =
          early.get(ITERATIONS).tags(TAG_SERVICE, name, TAG_OUTCOME, "succeeded").counter().count();
      assertThat(failed).as(name).isEqualTo(failures.get(i).get());
      assertThat(succeeded + failed).as(name).isEqualTo(LOOPS);
      assertThat(early.get(ITERATION_DURATION).tag(TAG_SERVICE, name).timers())
          .as(name)
          .extracting(t -> t.count())
          .containsExactlyInAnyOrder((long) succeeded, (long) failed, 0L, 0L);
      assertThat(
              late.get(SERVICE_STATE).tags(TAG_SERVICE, name, TAG_STATE, "stopped").gauge().value())
          .as(name)
          .isEqualTo(1);
    }
  }
}
