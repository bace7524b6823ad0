package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.micrometer.LoopObservations;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: with an {@link ObservationRegistry} in the application, every iteration is an
 * observation in it, current on the iteration's thread (so Micrometer Tracing makes it a span with
 * the iteration's calls beneath it).
 */
class ObservationsTest {

  @Test
  void everyIterationIsAnObservationInTheApplicationsRegistry() {
    List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    ObservationRegistry registry = ObservationRegistry.create();
    registry
        .observationConfig()
        .observationHandler(
            new ObservationHandler<>() {
              @Override
              public boolean supportsContext(Observation.Context context) {
                return true;
              }

              @Override
              public void onStop(Observation.Context context) {
                stopped.add(context);
              }
            });
    StarterContexts.WITHOUT_DATABASE
        .withBean(ObservationRegistry.class, () -> registry)
        .withBean(
            "expireSessions",
            CountingService.class,
            () -> new CountingService("expire-sessions", Duration.ofMillis(50)))
        .run(
            context -> {
              assertThat(context).hasSingleBean(LoopObservations.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> stopped.size() >= 2);
              assertThat(stopped.get(0).getName()).isEqualTo(LoopObservations.NAME);
              assertThat(stopped.get(0).getContextualName()).isEqualTo("expire-sessions");
              assertThat(stopped.get(0).getLowCardinalityKeyValue("outcome").getValue())
                  .isEqualTo("SUCCESS");
            });
  }

  @Test
  void withoutAnObservationRegistryThereIsNoListener() {
    StarterContexts.WITHOUT_DATABASE.run(
        context -> assertThat(context).doesNotHaveBean(LoopObservations.class));
  }
}
