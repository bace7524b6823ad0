package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The reference semantics of LoopService, on the real clock and the default engine. */
class LoopServiceTest {

  /** A service that counts its iterations. */
  static class Counter extends LoopService {
    final AtomicInteger runs = new AtomicInteger();

    Counter(Duration interval) {
      super(interval, false);
    }

    @Override
    protected void runOnce() {
      runs.incrementAndGet();
    }
  }

  /** A service that records its hooks in order. */
  static class Recorder extends LoopService {
    final List<String> calls = new CopyOnWriteArrayList<>();

    Recorder() {
      super(Duration.ZERO, false);
    }

    @Override
    protected void onStart() {
      calls.add("onStart running=" + isRunning());
    }

    @Override
    protected void runOnce() {
      calls.add("runOnce running=" + isRunning());
    }

    @Override
    protected void onStop() {
      calls.add("onStop running=" + isRunning());
    }
  }

  @Test
  void defaultIntervalIsSixtySeconds() {
    Counter service = new Counter(null);
    assertThat(LoopService.DEFAULT_LOOP_INTERVAL).isEqualTo(Duration.ofSeconds(60));
    assertThat(service.loopInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void constructorIntervalOverridesClassDefault() {
    class FiveSeconds extends LoopService {
      FiveSeconds(Duration interval) {
        super(interval);
      }

      @Override
      protected Duration defaultLoopInterval() {
        return Duration.ofSeconds(5);
      }

      @Override
      protected void runOnce() {}
    }
    assertThat(new FiveSeconds(null).loopInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(new FiveSeconds(Duration.ofMillis(100)).loopInterval())
        .isEqualTo(Duration.ofMillis(100));
    assertThat(new FiveSeconds(Duration.ZERO).loopInterval()).isZero();
  }

  @Test
  void negativeIntervalIsRejectedWithItsValue() {
    assertThatThrownBy(() -> new Counter(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loopInterval must not be negative: PT-1S");
  }

  @Test
  void loopsBelowOneAreRejected() {
    Counter service = new Counter(Duration.ZERO);
    assertThatThrownBy(() -> service.start(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loops must be at least 1: 0");
    assertThat(service.state()).isEqualTo(LoopState.NEW);
  }

  @Test
  void nameIsTheSimpleClassNameAndNamesTheLogger() {
    Counter service = new Counter(Duration.ZERO);
    assertThat(service.name()).isEqualTo("Counter");
    assertThat(service.logger().getName()).isEqualTo("loopwork.services.counter");
  }

  @Test
  void anonymousServicesAreNamedAfterTheirBinaryName() {
    LoopService anonymous =
        new LoopService() {
          @Override
          protected void runOnce() {}
        };
    assertThat(anonymous.name()).matches("LoopServiceTest\\$\\d+");
    assertThat(anonymous.logger().getName())
        .isEqualTo("loopwork.services." + anonymous.name().toLowerCase());
  }

  @Test
  void startWithLoopsRunsExactlyThatManyIterations() throws InterruptedException {
    Counter service = new Counter(Duration.ZERO);
    service.start(3);
    assertThat(service.runs).hasValue(3);
    assertThat(service.isRunning()).isFalse();
    assertThat(service.isStopRequested()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void hooksRunOnceEachAroundTheIterationsWhileRunning() throws InterruptedException {
    Recorder service = new Recorder();
    service.start(2);
    assertThat(service.calls)
        .containsExactly(
            "onStart running=true",
            "runOnce running=true",
            "runOnce running=true",
            "onStop running=true");
  }

  @Test
  void exceptionIsLoggedWithStackTraceAndTheLoopGoesOn() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    LoopService service =
        LoopService.of(
            "flaky",
            Duration.ZERO,
            () -> {
              if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
              }
            });
    try (LogCapture log = LogCapture.services()) {
      service.start(3);
      assertThat(runs).hasValue(3);
      ILoggingEvent error =
          log.events().stream().filter(e -> e.getLevel() == Level.ERROR).findFirst().orElseThrow();
      assertThat(error.getLoggerName()).isEqualTo("loopwork.services.flaky");
      assertThat(error.getFormattedMessage()).contains("flaky").contains("boom");
      assertThat(error.getThrowableProxy().getClassName())
          .isEqualTo(IllegalStateException.class.getName());
      assertThat(error.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
    }
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void errorEndsTheLoopRunsOnStopAndIsRethrown() {
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger stops = new AtomicInteger();
    LoopService service =
        new LoopService(Duration.ZERO, false) {
          @Override
          protected void runOnce() {
            if (runs.incrementAndGet() == 2) {
              throw new AssertionError("fatal");
            }
          }

          @Override
          protected void onStop() {
            stops.incrementAndGet();
          }
        };
    assertThatThrownBy(() -> service.start(10))
        .isInstanceOf(AssertionError.class)
        .hasMessage("fatal");
    assertThat(runs).hasValue(2);
    assertThat(stops).hasValue(1);
    assertThat(service.state()).isEqualTo(LoopState.FAILED);
  }

  @Test
  void failingOnStartThrowsRunsNoIterationAndStillRunsOnStop() {
    List<String> calls = new CopyOnWriteArrayList<>();
    LoopService service =
        new LoopService(Duration.ZERO, false) {
          @Override
          protected void onStart() throws Exception {
            calls.add("onStart");
            throw new java.io.IOException("no connection");
          }

          @Override
          protected void runOnce() {
            calls.add("runOnce");
          }

          @Override
          protected void onStop() {
            calls.add("onStop");
          }
        };
    assertThatThrownBy(() -> service.start(5))
        .isInstanceOf(LoopStartException.class)
        .hasCauseInstanceOf(java.io.IOException.class)
        .hasMessageContaining("no connection");
    assertThat(calls).containsExactly("onStart", "onStop");
    assertThat(service.isRunning()).isFalse();
  }

  @Test
  void serviceCanBeStartedAgainWithItsStopFlagReset() throws InterruptedException {
    Counter service = new Counter(Duration.ZERO);
    service.start(2);
    assertThat(service.isStopRequested()).isTrue();
    service.start(3);
    assertThat(service.runs).hasValue(5);
    LoopHandle handle = service.startAsync();
    assertThat(service.isStopRequested()).isFalse();
    handle.stop();
    handle.await();
  }

  @Test
  void startingARunningServiceIsAnIllegalState() throws InterruptedException {
    Counter service = new Counter(Duration.ofSeconds(100));
    LoopHandle handle = service.startAsync();
    try {
      assertThatThrownBy(service::startAsync)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Counter is already running");
    } finally {
      service.stop();
    }
    assertThat(handle.isDone()).isTrue();
  }

  @Test
  void stopWakesASleepingLoopAtOnce() throws InterruptedException {
    Counter service = new Counter(Duration.ofSeconds(1000));
    LoopHandle handle = service.startAsync();
    await().until(() -> service.runs.get() == 1 && service.state() == LoopState.RUNNING);
    long before = System.nanoTime();
    service.stop();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
    assertThat(handle.isDone()).isTrue();
    assertThat(service.isRunning()).isFalse();
    // "At once": far below the 1000 s interval and below the reference's 1 s polling step, with
    // room for a busy CI.
    assertThat(tookMillis).isLessThan(500);
  }

  @Test
  void stopOnAServiceThatIsNotRunningReturnsAtOnce() {
    Counter service = new Counter(Duration.ofSeconds(1000));
    service.stop();
    service.stop(false);
    assertThat(service.state()).isEqualTo(LoopState.NEW);
    assertThat(service.isStopRequested()).isFalse();
  }

  @Test
  void blockingStopFromInsideRunOnceDoesNotDeadlock() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    LoopService service =
        new LoopService(Duration.ofSeconds(30), false) {
          @Override
          protected void runOnce() {
            runs.incrementAndGet();
            stop(true);
          }
        };
    try (LogCapture log = LogCapture.services()) {
      service.start();
      assertThat(log.messages(Level.WARN))
          .anySatisfy(
              m -> assertThat(m).startsWith("stop(true) was called on " + service.name() + " but"));
    }
    assertThat(runs).hasValue(1);
    assertThat(service.isStopRequested()).isTrue();
    assertThat(service.isRunning()).isFalse();
  }

  @Test
  void blockingStopWaitsAtMostOneIntervalThenWarns() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LoopService stuck =
        LoopService.of(
            "stuck",
            LoopOptions.builder().loopInterval(Duration.ofMillis(300)).handleSignals(false).build(),
            () -> {
              entered.countDown();
              release.await();
            });
    LoopHandle handle = stuck.startAsync();
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    try (LogCapture log = LogCapture.services()) {
      long before = System.nanoTime();
      stuck.stop(true);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
      assertThat(tookMillis).isBetween(250L, 5_000L);
      assertThat(stuck.isRunning()).isTrue();
      assertThat(log.messages(Level.WARN))
          .anySatisfy(
              m -> assertThat(m).contains("stop(true) was called on stuck").contains("0.300 s"));
    } finally {
      release.countDown();
    }
    assertThat(handle.await(Duration.ofSeconds(10))).isTrue();
    assertThat(stuck.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void blockingStopReturnsAsSoonAsTheIterationEnds() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LoopService service =
        LoopService.of(
            "busy",
            LoopOptions.builder()
                .loopInterval(Duration.ofSeconds(100))
                .handleSignals(false)
                .build(),
            () -> {
              entered.countDown();
              release.await();
            });
    LoopHandle handle = service.startAsync();
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread releaser = new Thread(release::countDown);
    AtomicReference<Long> stoppedAfter = new AtomicReference<>();
    Thread stopper =
        new Thread(
            () -> {
              long before = System.nanoTime();
              service.stop(true);
              stoppedAfter.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before));
            });
    stopper.start();
    await()
        .until(
            () ->
                stopper.getState() == Thread.State.WAITING
                    || stopper.getState() == Thread.State.TIMED_WAITING);
    releaser.start();
    stopper.join(10_000);
    assertThat(stoppedAfter.get()).isNotNull().isLessThan(10_000L);
    assertThat(handle.isDone()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void interruptingTheStartingThreadIsAStopRequest() throws InterruptedException {
    Counter service = new Counter(Duration.ofSeconds(1000));
    AtomicReference<Boolean> interruptFlagAfterStart = new AtomicReference<>();
    Thread runner =
        new Thread(
            () -> {
              try {
                service.start();
                interruptFlagAfterStart.set(Thread.currentThread().isInterrupted());
              } catch (InterruptedException e) {
                interruptFlagAfterStart.set(null);
              }
            });
    runner.start();
    await().until(() -> service.runs.get() == 1 && service.state() == LoopState.RUNNING);
    runner.interrupt();
    runner.join(10_000);
    assertThat(runner.isAlive()).isFalse();
    assertThat(interruptFlagAfterStart.get()).isTrue();
    assertThat(service.isStopRequested()).isTrue();
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void interruptInsideAnIterationIsAStopRequest() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    LoopService service =
        LoopService.of(
            "self-interrupting",
            Duration.ZERO,
            () -> {
              runs.incrementAndGet();
              Thread.currentThread().interrupt();
            });
    service.start(100);
    assertThat(runs).hasValue(1);
    assertThat(service.state()).isEqualTo(LoopState.STOPPED);
  }

  @Test
  void iterationTimeoutInterruptsTheIterationAndCountsAsFailure() throws InterruptedException {
    AtomicInteger interrupted = new AtomicInteger();
    LoopService slow =
        LoopService.of(
            "slow",
            LoopOptions.builder()
                .loopInterval(Duration.ZERO)
                .iterationTimeout(Duration.ofMillis(100))
                .handleSignals(false)
                .build(),
            () -> {
              try {
                new CountDownLatch(1).await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
              }
            });
    List<IterationResult> results = new CopyOnWriteArrayList<>();
    slow.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService service, IterationResult result) {
            results.add(result);
          }
        });
    try (LogCapture log = LogCapture.services()) {
      slow.start(2);
      assertThat(log.messages(Level.WARN))
          .filteredOn(m -> m.contains("exceeded its timeout of 0.100 s"))
          .hasSize(2);
    }
    assertThat(interrupted).hasValue(2);
    assertThat(results)
        .extracting(IterationResult::outcome)
        .containsExactly(IterationOutcome.TIMED_OUT, IterationOutcome.TIMED_OUT);
    assertThat(results).extracting(IterationResult::consecutiveFailures).containsExactly(1, 2);
  }

  @Test
  void logLinesOfAnIterationCarryTheServiceNameAndIterationNumber() throws InterruptedException {
    LoopService service =
        new LoopService(Duration.ZERO, false) {
          @Override
          public String name() {
            return "tagged";
          }

          @Override
          protected void runOnce() {
            logger().warn("inside");
          }
        };
    try (LogCapture log = LogCapture.services()) {
      service.start(2);
      assertThat(log.events())
          .extracting(
              e ->
                  e.getMDCPropertyMap().get("loopwork.service")
                      + "#"
                      + e.getMDCPropertyMap().get("loopwork.iteration"))
          .containsExactly("tagged#1", "tagged#2");
    }
  }

  /**
   * Iterations run back to back (zero interval) in one pass of the loop each get the keys, even
   * after one clears them.
   */
  @Test
  void anIterationThatClearsTheMdcLeavesTheNextOneItsKeys() throws InterruptedException {
    LoopService service =
        LoopService.of(
            "clearing",
            LoopOptions.builder().loopInterval(Duration.ZERO).handleSignals(false).build(),
            () -> {
              LoggerFactory.getLogger("loopwork.services.clearing").warn("inside");
              MDC.clear();
            });
    try (LogCapture log = LogCapture.services()) {
      service.start(3);
      assertThat(log.events())
          .extracting(
              e ->
                  e.getMDCPropertyMap().get("loopwork.service")
                      + "#"
                      + e.getMDCPropertyMap().get("loopwork.iteration"))
          .containsExactly("clearing#1", "clearing#2", "clearing#3");
    }
  }

  /**
   * The MDC keys stay on Loopwork's threads between tasks; a thread that moves to another service,
   * or whose iteration removed them, still logs the right ones.
   */
  @Test
  void threadsMovingBetweenServicesLogTheKeysOfTheServiceTheyRun() throws InterruptedException {
    List<LoopService> services = new ArrayList<>();
    for (String name : List.of("alpha", "beta", "gamma")) {
      services.add(
          LoopService.of(
              name,
              LoopOptions.builder().loopInterval(Duration.ofMillis(5)).handleSignals(false).build(),
              () -> {
                LoggerFactory.getLogger("loopwork.services." + name).warn(name);
                if (name.equals("gamma")) {
                  MDC.clear(); // what an iteration may do to the thread's MDC
                }
              }));
    }
    try (LogCapture log = LogCapture.services()) {
      List<LoopHandle> handles = services.stream().map(LoopService::startAsync).toList();
      await().atMost(Duration.ofSeconds(30)).until(() -> log.events().size() >= 60);
      LoopEngine.defaultEngine().stopAll(handles);
      assertThat(log.events())
          .isNotEmpty()
          .allSatisfy(
              e -> {
                assertThat(e.getMDCPropertyMap()).containsEntry("loopwork.service", e.getMessage());
                assertThat(e.getMDCPropertyMap()).containsKey("loopwork.iteration");
              });
    }
  }

  /**
   * On threads of an executor the application passed in, the keys are gone once the loop's task is.
   */
  @Test
  void anApplicationsExecutorGetsItsThreadsBackWithoutTheKeys() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      LoopEngine engine = LoopEngine.builder().executor(executor).build();
      CountDownLatch ran = new CountDownLatch(1);
      LoopHandle handle =
          engine.start(LoopService.of("borrowed", Duration.ofSeconds(1000), ran::countDown));
      ran.await();
      // The loop now waits for its next iteration; the thread has gone back to the application.
      assertThat(
              executor
                  .submit(() -> MDC.get("loopwork.service") + "/" + MDC.get("loopwork.iteration"))
                  .get())
          .isEqualTo("null/null");
      handle.stop();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void lambdaServiceNeedsANameAndAnInterval() {
    assertThatThrownBy(() -> LoopService.of(" ", Duration.ZERO, () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name must not be blank");
    assertThatThrownBy(() -> LoopService.of("x", Duration.ofMillis(-5), () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loopInterval must not be negative: PT-0.005S");
  }
}
