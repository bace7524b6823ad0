package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.jdbc.Database;
import dev.loopwork.testsupport.Settled;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class LoopworkActuatorAutoConfigurationTest {
  private static final Duration FAST = Duration.ofMillis(20);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  LoopworkAutoConfiguration.class, LoopworkActuatorAutoConfiguration.class))
          .withBean(
              "expireSessions",
              CountingService.class,
              () -> new CountingService("ExpireSessions", FAST));

  @Test
  void healthIndicatorIsThereByDefault() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(LoopworkHealthIndicator.class);
          assertThat(context.getBean(LoopworkHealthIndicator.class).health().getStatus())
              .isEqualTo(Status.UP);
        });
  }

  @Test
  void healthIndicatorCanBeTurnedOff() {
    runner
        .withPropertyValues("management.health.loopwork.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(LoopworkHealthIndicator.class));
  }

  @Test
  void noHealthIndicatorWithoutSpringBootHealth() {
    runner
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(
            context ->
                assertThat(context)
                    .hasSingleBean(LoopworkServices.class)
                    .doesNotHaveBean(LoopworkHealthIndicator.class));
  }

  @Test
  void noActuatorBeansWithoutLoopwork() {
    runner
        .withPropertyValues(
            "loopwork.enabled=false", "management.endpoints.web.exposure.include=loopwork")
        .run(
            context ->
                assertThat(context)
                    .doesNotHaveBean(LoopworkHealthIndicator.class)
                    .doesNotHaveBean(LoopworkEndpoint.class));
  }

  @Test
  void userHealthIndicatorAndEndpointReplaceTheAutoConfiguredOnes() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=loopwork")
        .withBean(
            "myHealth",
            LoopworkHealthIndicator.class,
            () ->
                new LoopworkHealthIndicator(
                    new LoopworkServices(
                        LoopworkRuntime.uncoordinated(dev.loopwork.LoopEngine.builder()),
                        new LoopworkProperties(),
                        java.util.List.of())))
        .withBean(
            "myEndpoint",
            LoopworkEndpoint.class,
            () ->
                new LoopworkEndpoint(
                    new LoopworkServices(
                        LoopworkRuntime.uncoordinated(dev.loopwork.LoopEngine.builder()),
                        new LoopworkProperties(),
                        java.util.List.of())))
        .run(
            context -> {
              assertThat(context)
                  .hasSingleBean(LoopworkHealthIndicator.class)
                  .hasSingleBean(LoopworkEndpoint.class);
              assertThat(context).hasBean("myHealth").hasBean("myEndpoint");
            });
  }

  @Test
  void healthIsDownWhenAServiceHasFailed() {
    runner
        .withBean("broken", LoopService.class, () -> new FailingToStart())
        .run(
            context -> {
              LoopworkHealthIndicator health = context.getBean(LoopworkHealthIndicator.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> health.health().getStatus().equals(Status.DOWN));
              assertThat(health.health().getDetails().get("problems").toString())
                  .contains("broken has failed");
            });
  }

  /**
   * Issue 17: with {@code loopwork.health.max-consecutive-failures}, repeated failures make health
   * DOWN (without it they never do: a service whose iterations fail keeps running).
   */
  @Test
  void healthIsDownAfterTheConfiguredFailuresInARow() {
    LoopService failing =
        LoopService.of(
            "failing",
            FAST,
            () -> {
              throw new IllegalStateException("always");
            });
    runner
        .withBean("failing", LoopService.class, () -> failing)
        .withPropertyValues("loopwork.health.max-consecutive-failures=3")
        .run(
            context -> {
              LoopworkHealthIndicator health = context.getBean(LoopworkHealthIndicator.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> health.health().getStatus().equals(Status.DOWN));
              assertThat(health.health().getDetails().get("problems").toString())
                  .contains("failing has failed")
                  .contains("times in a row (loopwork.health.max-consecutive-failures=3)");
            });
    runner
        .withBean("failing", LoopService.class, () -> failing)
        .run(
            context -> {
              LoopworkHealthIndicator health = context.getBean(LoopworkHealthIndicator.class);
              await()
                  .during(Duration.ofMillis(300))
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> health.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void healthIsDownWhenAnExclusiveServiceHasNoOwnerForLongerThanTheLeaseTime() {
    runner
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
        .withPropertyValues("loopwork.coordination.lease-ttl=2s")
        .run(
            context -> {
              LoopworkHealthIndicator health = context.getBean(LoopworkHealthIndicator.class);
              LoopworkServices services = context.getBean(LoopworkServices.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(
                      () ->
                          services
                              .replicaId()
                              .equals(services.status("ExpireSessions").orElseThrow().owner()));
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              Database database = context.getBean(Database.class);
              execute(
                  database,
                  "CREATE TRIGGER reject_lease_updates BEFORE UPDATE ON loopwork_lease FOR EACH ROW CALL "
                      + "\""
                      + RejectLeaseUpdates.class.getName()
                      + "\"");
              try {
                await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> health.health().getStatus().equals(Status.DOWN));
                assertThat(health.health().getDetails().get("problems").toString())
                    .contains("ExpireSessions has had no owner");
              } finally {
                execute(database, "DROP TRIGGER reject_lease_updates");
              }
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(() -> health.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void endpointNeedsExposure() {
    runner.run(context -> assertThat(context).doesNotHaveBean(LoopworkEndpoint.class));
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=loopwork")
        .run(context -> assertThat(context).hasSingleBean(LoopworkEndpoint.class));
  }

  @Test
  void noEndpointWithoutSpringBootActuator() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=loopwork")
        .withClassLoader(new FilteredClassLoader(Endpoint.class))
        .run(
            context ->
                assertThat(context)
                    .hasSingleBean(LoopworkServices.class)
                    .doesNotHaveBean(LoopworkEndpoint.class));
  }

  @Test
  void endpointListsPausesRunsOnceAndResumes() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=loopwork")
        .run(
            context -> {
              LoopworkEndpoint endpoint = context.getBean(LoopworkEndpoint.class);
              CountingService service = context.getBean(CountingService.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> service.iterations.get() >= 1);

              Map<String, Object> list = endpoint.services();
              assertThat(list.get("replica")).isEqualTo("uncoordinated");
              assertThat(list.get("services"))
                  .asList()
                  .singleElement()
                  .satisfies(
                      s ->
                          assertThat(((LoopServiceStatus) s).lastOutcome()).isEqualTo("succeeded"));

              int running = service.iterations.get();
              assertThat(endpoint.act("ExpireSessions", "run-once").getStatus()).isEqualTo(200);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> service.iterations.get() > running);

              WebEndpointResponse<Object> paused = endpoint.act("ExpireSessions", "pause");
              assertThat(paused.getStatus()).isEqualTo(200);
              assertThat(((LoopServiceStatus) paused.getBody()).paused()).isTrue();
              assertThat(service.state())
                  .as("a paused service stays started, its iterations held back")
                  .isEqualTo(LoopState.RUNNING);
              int before =
                  Settled.count(
                      "no iteration while paused",
                      service.iterations::get,
                      Duration.ofMillis(500),
                      Duration.ofSeconds(10));
              assertThat(endpoint.act("ExpireSessions", "run-once").getStatus()).isEqualTo(200);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> service.iterations.get() == before + 1);
              await("held back again after the one iteration")
                  .during(Duration.ofMillis(500))
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> service.iterations.get() == before + 1);

              WebEndpointResponse<Object> resumed = endpoint.act("ExpireSessions", "resume");
              assertThat(((LoopServiceStatus) resumed.getBody()).paused()).isFalse();
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> service.iterations.get() > before + 2);

              WebEndpointResponse<Object> unknown = endpoint.service("nope");
              assertThat(unknown.getStatus()).isEqualTo(404);
              assertThat(unknown.getBody())
                  .isEqualTo(
                      Map.of(
                          "message",
                          "No loop service named \"nope\"; known services: [ExpireSessions]"));
              assertThat(endpoint.act("nope", "pause").getStatus()).isEqualTo(404);
              assertThat(endpoint.act("ExpireSessions", "explode").getStatus()).isEqualTo(400);
              assertThat(((LoopServiceStatus) endpoint.service("ExpireSessions").getBody()).name())
                  .isEqualTo("ExpireSessions");
              // Issue 17: names match as the properties' keys do, ignoring case and punctuation.
              assertThat(((LoopServiceStatus) endpoint.service("expire-sessions").getBody()).name())
                  .isEqualTo("ExpireSessions");
              assertThat(endpoint.act("expire_sessions", "pause").getStatus()).isEqualTo(200);
            });
  }

  private static void execute(Database database, String sql) throws Exception {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** A service whose onStart fails, which leaves it FAILED. */
  static final class FailingToStart extends LoopService {
    FailingToStart() {
      super(LoopOptions.builder().loopInterval(FAST).build());
    }

    @Override
    public String name() {
      return "broken";
    }

    @Override
    protected void onStart() {
      throw new IllegalStateException("cannot start: the test says so");
    }

    @Override
    protected void runOnce() {}
  }
}
