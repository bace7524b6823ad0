package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.testsupport.Settled;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Two application instances on one (in-memory H2) database: pause, resume and run-once through the
 * endpoint of one act on both, through the shared controls.
 */
class SharedControlsTest {
  private static final Duration FAST = Duration.ofMillis(20);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ApplicationContextRunner instance =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  LoopworkAutoConfiguration.class,
                  LoopworkActuatorAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=jdbc:h2:mem:shared-"
                  + UUID.randomUUID()
                  + ";DB_CLOSE_DELAY=-1",
              "management.endpoints.web.exposure.include=loopwork",
              "loopwork.coordination.lease-ttl=2s")
          .withBean(
              "expireSessions",
              CountingService.class,
              () -> new CountingService("ExpireSessions", FAST));

  @Test
  void pauseRunOnceAndResumeThroughOneInstanceActOnBoth() {
    instance.run(
        first ->
            instance.run(
                second -> {
                  await().atMost(WAIT).until(() -> iterations(first) + iterations(second) >= 3);

                  assertThat(endpoint(first).act("ExpireSessions", "pause").getStatus())
                      .isEqualTo(200);

                  int paused =
                      Settled.count(
                          "no iteration while paused",
                          () -> iterations(first) + iterations(second),
                          FAST.multipliedBy(30),
                          WAIT);
                  assertThat(status(second).paused()).isTrue();
                  assertThat(counter(first).state().isActive())
                      .as("a paused service stays started")
                      .isTrue();
                  assertThat(counter(second).state().isActive()).isTrue();

                  assertThat(endpoint(second).act("ExpireSessions", "run-once").getStatus())
                      .isEqualTo(200);
                  await()
                      .atMost(WAIT)
                      .until(() -> iterations(first) + iterations(second) == paused + 1);
                  await("one iteration only")
                      .during(Duration.ofMillis(1500))
                      .atMost(WAIT)
                      .until(() -> iterations(first) + iterations(second) == paused + 1);

                  assertThat(endpoint(first).act("ExpireSessions", "resume").getStatus())
                      .isEqualTo(200);
                  await()
                      .atMost(WAIT)
                      .until(() -> iterations(first) + iterations(second) >= paused + 5);
                  assertThat(status(second).paused()).isFalse();
                }));
  }

  @Test
  void anInstanceThatStartsWhileTheServiceIsPausedHoldsItsIterationsBack() {
    instance.run(
        first -> {
          endpoint(first).act("ExpireSessions", "pause");
          instance.run(
              second -> {
                assertThat(status(second).paused()).isTrue();
                assertThat(counter(second).state().isActive()).as("started, held back").isTrue();
                await("never ran")
                    .during(Duration.ofMillis(1500))
                    .atMost(WAIT)
                    .until(() -> iterations(second) == 0);
              });
        });
  }

  private static LoopworkEndpoint endpoint(AssertableApplicationContext context) {
    return context.getBean(LoopworkEndpoint.class);
  }

  private static LoopServiceStatus status(AssertableApplicationContext context) {
    return (LoopServiceStatus) endpoint(context).service("ExpireSessions").getBody();
  }

  private static CountingService counter(AssertableApplicationContext context) {
    return context.getBean(CountingService.class);
  }

  private static int iterations(AssertableApplicationContext context) {
    return counter(context).iterations.get();
  }
}
