package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Running several services together with {@link LoopServices#runAll}. */
class LoopServicesTest {

  private static LoopService counting(String name, Duration interval, AtomicInteger runs) {
    return LoopService.of(
        name,
        LoopOptions.builder().loopInterval(interval).handleSignals(false).build(),
        runs::incrementAndGet);
  }

  @Test
  void runsAllServicesConcurrentlyAndReturnsWhenAllHaveEnded() throws Exception {
    // Each first iteration waits at a barrier that only opens when both are inside: proof they run
    // at once.
    CyclicBarrier bothInside = new CyclicBarrier(2);
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    LoopService a =
        LoopService.of(
            "a",
            Duration.ofSeconds(1000),
            () -> {
              first.incrementAndGet();
              bothInside.await(10, TimeUnit.SECONDS);
            });
    LoopService b =
        LoopService.of(
            "b",
            Duration.ofSeconds(1000),
            () -> {
              second.incrementAndGet();
              bothInside.await(10, TimeUnit.SECONDS);
            });
    Thread runner =
        new Thread(
            () -> {
              try {
                LoopServices.runAll(List.of(a, b));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    runner.start();
    await()
        .until(
            () ->
                a.state() == LoopState.RUNNING
                    && b.state() == LoopState.RUNNING
                    && first.get() == 1
                    && second.get() == 1
                    && bothInside.getNumberWaiting() == 0);
    assertThat(runner.isAlive()).isTrue();
    a.stop();
    assertThat(runner.isAlive()).isTrue();
    b.stop();
    runner.join(10_000);
    assertThat(runner.isAlive()).isFalse();
    assertThat(a.state()).isEqualTo(LoopState.STOPPED);
    assertThat(b.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void fatalErrorInOneStopsTheOthersAndIsRethrown() {
    AtomicInteger healthyRuns = new AtomicInteger();
    LoopService healthy = counting("healthy", Duration.ofSeconds(1000), healthyRuns);
    CountDownLatch healthyRan = new CountDownLatch(1);
    healthy.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService service, IterationResult result) {
            healthyRan.countDown();
          }
        });
    LoopService broken =
        LoopService.of(
            "broken",
            Duration.ofMillis(10),
            () -> {
              healthyRan.await();
              throw new OutOfMemoryError("simulated");
            });
    assertThatThrownBy(() -> LoopServices.runAll(List.of(healthy, broken)))
        .isInstanceOf(OutOfMemoryError.class)
        .hasMessage("simulated");
    assertThat(healthy.state()).isEqualTo(LoopState.STOPPED);
    assertThat(broken.state()).isEqualTo(LoopState.FAILED);
    assertThat(healthyRuns).hasValue(1);
  }

  @Test
  void interruptStopsAllAndReturnsWithTheFlagSet() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    LoopService a = counting("a", Duration.ofSeconds(1000), runs);
    LoopService b = counting("b", Duration.ofSeconds(1000), runs);
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread runner =
        new Thread(
            () -> {
              try {
                LoopServices.runAll(List.of(a, b));
                flag.set(Thread.currentThread().isInterrupted());
              } catch (InterruptedException e) {
                flag.set(false);
              }
            });
    runner.start();
    await()
        .until(
            () ->
                runs.get() == 2
                    && a.state() == LoopState.RUNNING
                    && b.state() == LoopState.RUNNING);
    runner.interrupt();
    runner.join(10_000);
    assertThat(flag.get()).isTrue();
    assertThat(List.of(a.state(), b.state())).containsOnly(LoopState.STOPPED);
  }

  @Test
  void rejectsAnEmptyListAndARunningService() throws InterruptedException {
    assertThatThrownBy(() -> LoopServices.runAll(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("services must not be empty");
    AtomicInteger runs = new AtomicInteger();
    LoopService running = counting("running", Duration.ofSeconds(1000), runs);
    LoopService idle = counting("idle", Duration.ofSeconds(1000), runs);
    LoopHandle handle = running.startAsync();
    try {
      assertThatThrownBy(() -> LoopServices.runAll(List.of(idle, running)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("running is already running");
      assertThat(idle.state()).isEqualTo(LoopState.NEW);
    } finally {
      handle.stop();
      handle.await();
    }
  }
}
