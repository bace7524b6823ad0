package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopState;
import dev.loopwork.spring.boot.LoopServiceStatus;
import dev.loopwork.spring.boot.LoopworkEndpoint;
import dev.loopwork.testsupport.Settled;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the example application on one PostgreSQL database steered through the actuator
 * endpoint of one of them: a pause holds the service back on both, a run-once runs exactly one
 * iteration, a resume lets it run again, and either instance shows the last iteration wherever it
 * ran.
 */
class SharedControlsIT {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration WAIT = Duration.ofSeconds(20);

  private TickReplicas replicas;
  private ConfigurableApplicationContext first;
  private ConfigurableApplicationContext second;

  @BeforeEach
  void startTwoInstances() {
    replicas = new TickReplicas(INTERVAL);
    first = replicas.start("first", "management.endpoints.web.exposure.include=loopwork");
    second = replicas.start("second", "management.endpoints.web.exposure.include=loopwork");
    await().atMost(WAIT).until(() -> replicas.ticks() >= 5);
  }

  @AfterEach
  void closeInstances() throws Exception {
    first.close();
    second.close();
    replicas.close();
  }

  @Test
  void aPauseThroughOneInstanceHoldsTheServiceBackOnBothAndAResumeLetsItRun()
      throws InterruptedException {
    ConfigurableApplicationContext runner = instance(replicas.lastTicker());
    ConfigurableApplicationContext other = runner == first ? second : first;

    WebEndpointResponse<Object> paused = endpoint(other).act("tick", "pause");

    assertThat(paused.getStatus()).isEqualTo(200);
    assertThat(((LoopServiceStatus) paused.getBody()).paused()).isTrue();
    int whilePaused = awaitNoTicks();
    assertThat(status(runner).paused()).isTrue();
    assertThat(List.of(tickState(first), tickState(second)))
        .as("a paused service stays started")
        .containsOnly(LoopState.RUNNING);

    endpoint(other).act("tick", "resume");

    await().atMost(WAIT).until(() -> replicas.ticks() >= whilePaused + 5);
    assertThat(List.of(status(first).paused(), status(second).paused())).containsOnly(false);
  }

  @Test
  void aRunOnceThroughOneInstanceRunsExactlyOneIterationWhileTheServiceIsPaused()
      throws InterruptedException {
    endpoint(first).act("tick", "pause");
    int before = awaitNoTicks();

    assertThat(endpoint(first).act("tick", "run-once").getStatus()).isEqualTo(200);

    await().atMost(WAIT).until(() -> replicas.ticks() == before + 1);
    await("one iteration only")
        .during(Duration.ofSeconds(3))
        .atMost(WAIT)
        .until(() -> replicas.ticks() == before + 1);
  }

  @Test
  void theInstanceThatDoesNotRunTheServiceShowsItsLastIterationFromTheJournal() {
    await().atMost(WAIT).until(() -> replicas.ticks() >= 10);
    ConfigurableApplicationContext runner = instance(replicas.lastTicker());
    // From here: the lease may have moved once at start-up, as the two instances shared the leases
    // out.
    long since = System.currentTimeMillis();
    ConfigurableApplicationContext observer = runner == first ? second : first;
    String observerName = observer == first ? "first" : "second";

    await()
        .atMost(WAIT)
        .until(
            () -> {
              LoopServiceStatus seen = status(observer);
              return replicas.ticksBy(observerName, since) == 0
                  && !seen.ownedHere()
                  && seen.lastStart() != null
                  && Instant.parse(seen.lastStart()).toEpochMilli() > since;
            });
    assertThat(status(observer).lastOutcome()).isEqualTo("succeeded");
  }

  /**
   * Waits until no instance has ticked for 3 s (an iteration granted before an instance read the
   * pause may still come) and returns the ticks.
   */
  private int awaitNoTicks() {
    return Settled.count("no tick while paused", replicas::ticks, Duration.ofSeconds(3), WAIT);
  }

  private ConfigurableApplicationContext instance(String replica) {
    return "first".equals(replica) ? first : second;
  }

  private static LoopworkEndpoint endpoint(ConfigurableApplicationContext context) {
    return context.getBean(LoopworkEndpoint.class);
  }

  private static LoopServiceStatus status(ConfigurableApplicationContext context) {
    return (LoopServiceStatus) endpoint(context).service("tick").getBody();
  }

  private static LoopState tickState(ConfigurableApplicationContext context) {
    return status(context).state();
  }
}
