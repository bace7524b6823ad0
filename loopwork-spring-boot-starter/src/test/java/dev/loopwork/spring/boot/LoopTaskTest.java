package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Issue 17: bean methods run as loop services with {@link LoopTask}, as {@code @Scheduled} ones.
 */
class LoopTaskTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ApplicationContextRunner runner = StarterContexts.WITHOUT_DATABASE;

  private final ApplicationContextRunner withH2 = StarterContexts.ON_H2;

  /** A bean with a task method whose settings come from properties. */
  static class Sweeper {
    final List<LoopTaskContext> iterations = new CopyOnWriteArrayList<>();

    @LoopTask(
        interval = "${sweeper.every}",
        timeout = "${sweeper.timeout:5s}",
        coordination = "${sweeper.coordination:}")
    void sweep(LoopTaskContext iteration) {
      iterations.add(iteration);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class SweeperConfiguration {
    @Bean
    Sweeper sweeper() {
      return new Sweeper();
    }
  }

  @Test
  void aMethodRunsAsAServiceWithItsPlaceholdersResolvedAndItsIterationsNumbered() {
    runner
        .withUserConfiguration(SweeperConfiguration.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("sweeper.every=20ms", "sweeper.timeout=2s")
        .run(
            context -> {
              Sweeper sweeper = context.getBean(Sweeper.class);
              await().atMost(WAIT).until(() -> sweeper.iterations.size() >= 3);
              assertThat(List.copyOf(sweeper.iterations).subList(0, 3))
                  .extracting(LoopTaskContext::iteration)
                  .containsExactly(1L, 2L, 3L);
              assertThat(sweeper.iterations.get(0).serviceName()).isEqualTo("sweep");
              assertThat(sweeper.iterations.get(0).fencingToken()).isEqualTo(OptionalLong.empty());
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("sweep").orElseThrow();
              assertThat(status.state()).isEqualTo(LoopState.RUNNING);
              assertThat(status.interval()).isEqualTo("PT0.02S");
              assertThat(status.timeout()).isEqualTo("PT2S");
              assertThat(status.coordination()).isEqualTo(Coordination.EVERY_REPLICA);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await().atMost(WAIT).until(() -> CountingService.iterations(registry, "sweep") >= 2);
            });
  }

  @Test
  void withADataSourceTheMethodRunsUnderALeaseAndSeesItsFencingToken() {
    withH2
        .withUserConfiguration(SweeperConfiguration.class)
        .withPropertyValues("sweeper.every=20ms")
        .run(
            context -> {
              Sweeper sweeper = context.getBean(Sweeper.class);
              await().atMost(WAIT).until(() -> sweeper.iterations.size() >= 2);
              assertThat(sweeper.iterations.get(0).fencingToken()).isPresent();
              LoopworkServices services = context.getBean(LoopworkServices.class);
              LoopServiceStatus status = services.status("sweep").orElseThrow();
              assertThat(status.coordination()).isEqualTo(Coordination.EXCLUSIVE);
              assertThat(status.owner()).isEqualTo(services.replicaId());
            });
  }

  @Test
  void theAnnotationsCoordinationAppliesAndPropertiesOverrideTheAnnotation() {
    withH2
        .withUserConfiguration(SweeperConfiguration.class)
        .withPropertyValues(
            "sweeper.every=1h",
            "sweeper.coordination=every-replica",
            "loopwork.services.sweep.interval=20ms")
        .run(
            context -> {
              Sweeper sweeper = context.getBean(Sweeper.class);
              await().atMost(WAIT).until(() -> sweeper.iterations.size() >= 3);
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("sweep").orElseThrow();
              assertThat(status.coordination()).isEqualTo(Coordination.EVERY_REPLICA);
              assertThat(sweeper.iterations.get(0).fencingToken()).isEmpty();
            });
  }

  @Test
  void aDisabledMethodServiceDoesNotRun() {
    runner
        .withUserConfiguration(SweeperConfiguration.class)
        .withPropertyValues("sweeper.every=20ms", "loopwork.services.sweep.enabled=false")
        .run(
            context -> {
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("sweep").orElseThrow();
              assertThat(status.enabled()).isFalse();
              assertThat(context.getBean(Sweeper.class).iterations).isEmpty();
            });
  }

  /** A task with an initial delay, named by the annotation. */
  static class Delayed {
    final AtomicInteger runs = new AtomicInteger();

    @LoopTask(name = "late-report", interval = "20ms", initialDelay = "${delayed.initial}")
    void report() {
      runs.incrementAndGet();
    }
  }

  @Test
  void theFirstIterationWaitsForTheInitialDelay() {
    runner
        .withBean(Delayed.class)
        .withPropertyValues("delayed.initial=1h")
        .run(
            context -> {
              LoopworkServices services = context.getBean(LoopworkServices.class);
              await()
                  .atMost(WAIT)
                  .until(
                      () ->
                          services.status("late-report").orElseThrow().state()
                              == LoopState.RUNNING);
              Delayed delayed = context.getBean(Delayed.class);
              await() // many intervals of 20 ms: none may run
                  .during(Duration.ofMillis(300))
                  .atMost(WAIT)
                  .until(() -> delayed.runs.get() == 0);
            });
    runner
        .withBean(Delayed.class)
        .withPropertyValues("delayed.initial=0s")
        .run(
            context ->
                await().atMost(WAIT).until(() -> context.getBean(Delayed.class).runs.get() >= 2));
  }

  /** A task that fails every other iteration. */
  static class Flaky {
    final AtomicInteger runs = new AtomicInteger();

    @LoopTask(interval = "20ms")
    void flaky() throws Exception {
      if (runs.incrementAndGet() % 2 == 1) {
        throw new IOException("flaky on purpose");
      }
    }
  }

  @Test
  void whatTheMethodThrowsFailsTheIterationAndTheLoopGoesOn() {
    runner
        .withBean(Flaky.class)
        .run(
            context -> {
              await().atMost(WAIT).until(() -> context.getBean(Flaky.class).runs.get() >= 4);
              LoopworkServices services = context.getBean(LoopworkServices.class);
              await()
                  .atMost(WAIT)
                  .until(
                      () -> "failed".equals(services.status("flaky").orElseThrow().lastOutcome()));
              assertThat(services.status("flaky").orElseThrow().lastError())
                  .contains("flaky on purpose");
            });
  }

  static class BadInterval {
    @LoopTask(interval = "${bad.every:soon}")
    void sweep() {}
  }

  static class BadParameter {
    @LoopTask(interval = "1s")
    void sweep(String what) {}
  }

  static class BadCoordination {
    @LoopTask(interval = "1s", coordination = "sometimes")
    void sweep() {}
  }

  static class OtherSweeper {
    @LoopTask(interval = "1s")
    void sweep() {}
  }

  @Test
  void aBadAnnotationStopsTheStartNamingTheMethodAndWhatIsWrong() {
    runner
        .withBean(BadInterval.class)
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .isInstanceOf(LoopworkConfigurationException.class)
                    .hasMessageContaining("@LoopTask on BadInterval.sweep() of bean")
                    .hasMessageContaining(
                        "interval \"soon\" (written \"${bad.every:soon}\") is not a duration"));
    runner
        .withBean(BadParameter.class)
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("BadParameter.sweep()")
                    .hasMessageContaining("no parameter or one LoopTaskContext, not [String]"));
    runner
        .withBean(BadCoordination.class)
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining(
                        "coordination \"sometimes\" is not one of exclusive, every-replica"));
    runner
        .withBean(BadInterval.class)
        .withBean(OtherSweeper.class)
        .withPropertyValues("bad.every=1s")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .isInstanceOf(LoopworkConfigurationException.class)
                    .hasMessageContaining("give one of them another name() or @LoopTask(name)"));
  }

  @Test
  void withLoopworkDisabledNoMethodRuns() {
    runner
        .withUserConfiguration(SweeperConfiguration.class)
        .withPropertyValues("sweeper.every=20ms", "loopwork.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(LoopworkServices.class);
              Sweeper sweeper = context.getBean(Sweeper.class);
              await()
                  .during(Duration.ofMillis(200))
                  .atMost(WAIT)
                  .until(() -> sweeper.iterations.isEmpty());
            });
  }
}
