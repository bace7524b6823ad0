package dev.loopwork.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.ControlSync;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.FleetGate;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.LoopworkSchema;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.ServiceControls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: while a service is paused fleet-wide, each of its due iterations is an observation with
 * the outcome {@code SKIPPED} on the replica that holds its lease, and nothing on a standby (which
 * would otherwise report a skip every second); {@link LoopMetrics} counts the same skips. The run
 * journal gets no row for them. Two replicas on one in-memory H2 database, each with its own
 * observation registry.
 */
class PausedFleetTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SERVICE = "purge";

  private final String url = "jdbc:h2:mem:paused-fleet-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  @AutoClose private final Database database = Database.builder().url(url).build();
  private final ServiceControls operator;

  PausedFleetTest() {
    LoopworkSchema.create(database);
    operator = ServiceControls.of(database, "operator");
  }

  @Test
  void aPausedServiceIsSkippedOnTheLeaseHolderOnlyAndRunsAgainOnResume() throws Exception {
    try (Replica a = replica("a");
        Replica b = replica("b")) {
      pauseAndResume(a, b);
    }
  }

  private void pauseAndResume(Replica a, Replica b) {
    // Balanced: one replica holds the service's lease, the other the journal pruner's.
    await()
        .atMost(WAIT)
        .until(
            () ->
                a.runtime.heldLeases() == 1
                    && b.runtime.heldLeases() == 1
                    && a.runtime.holdsLease(SERVICE) != b.runtime.holdsLease(SERVICE)
                    && a.ran() + b.ran() >= 1);
    Replica holder = a.runtime.holdsLease(SERVICE) ? a : b;
    Replica standby = holder == a ? b : a;

    operator.setPaused(SERVICE, true);
    holder.sync.syncNow();
    standby.sync.syncNow();
    await().atMost(WAIT).until(() -> holder.skipped().size() >= 1);
    // What the standby saw before (it may have run the service before the leases were balanced).
    int seenByStandby = standby.observed().size();
    // 20 due iterations of 100 ms: the standby, paused too, has asked every second meanwhile.
    await().atMost(WAIT).until(() -> holder.skipped().size() >= 20);

    Observation.Context skip = holder.skipped().get(0);
    assertThat(lowCardinality(skip))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("service", SERVICE, "outcome", "SKIPPED", "exception", "none"));
    assertThat(highCardinality(skip))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("replica", holder.runtime.replicaId(), "reason", "paused"));
    assertThat(standby.skipped()).as("the standby reports no skip").isEmpty();
    assertThat(standby.observed()).as("nor anything else while paused").hasSize(seenByStandby);
    assertThat(standby.runtime.holdsLease(SERVICE)).isFalse();

    int ranBeforeResume = holder.ran();
    operator.setPaused(SERVICE, false);
    holder.sync.syncNow();
    standby.sync.syncNow();
    await().atMost(WAIT).until(() -> holder.ran() > ranBeforeResume);

    holder.runtime.close();
    standby.runtime.close();
    assertThat(holder.skippedCounter())
        .as("the loopwork.iterations counter, outcome skipped")
        .isEqualTo(holder.skipped().size());
    assertThat(standby.skippedCounter()).isZero();
    assertThat(RunHistory.of(database).recent(SERVICE, 1_000))
        .as("the journal: the iterations that ran, no row for a skip")
        .hasSize(holder.ran() + standby.ran());
  }

  private Replica replica(String id) {
    List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new Recorder(stopped));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LoopEngine.Builder engine =
        LoopEngine.builder()
            .listener(LoopObservations.of(observations, id))
            .listener(LoopMetrics.of(meters));
    FleetGate[] gate = new FleetGate[1];
    JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(Database.builder().url(url).build())
            .engine(engine)
            .decorateCoordinator(leases -> gate[0] = new FleetGate(leases))
            .replicaId(id)
            .pollInterval(Duration.ofMillis(100))
            .build();
    ControlSync sync = new ControlSync(runtime, gate[0], () -> {});
    LoopService service = LoopService.of(SERVICE, Duration.ofMillis(100), () -> {});
    runtime.start(service);
    return new Replica(runtime, sync, stopped, meters);
  }

  private static Map<String, String> lowCardinality(Observation.Context context) {
    Map<String, String> keys = new HashMap<>();
    context.getLowCardinalityKeyValues().forEach(kv -> keys.put(kv.getKey(), kv.getValue()));
    return keys;
  }

  private static Map<String, String> highCardinality(Observation.Context context) {
    Map<String, String> keys = new HashMap<>();
    context.getHighCardinalityKeyValues().forEach(kv -> keys.put(kv.getKey(), kv.getValue()));
    return keys;
  }

  /** One replica: its runtime, its control poller and what its listeners saw. */
  private record Replica(
      JdbcLoopRuntime runtime,
      ControlSync sync,
      List<Observation.Context> stopped,
      SimpleMeterRegistry meters)
      implements AutoCloseable {

    /** Stops the control poller and the runtime, with its service, and closes its database. */
    @Override
    public void close() {
      sync.close();
      runtime.close();
      runtime.database().close();
    }

    List<Observation.Context> skipped() {
      return withOutcome("SKIPPED");
    }

    int ran() {
      return withOutcome("SUCCESS").size();
    }

    private List<Observation.Context> withOutcome(String outcome) {
      return observed().stream()
          .filter(context -> outcome.equals(lowCardinality(context).get("outcome")))
          .toList();
    }

    /** The observations of the service (not of the journal's pruner). */
    List<Observation.Context> observed() {
      return stopped.stream()
          .filter(context -> SERVICE.equals(lowCardinality(context).get("service")))
          .toList();
    }

    double skippedCounter() {
      return meters
          .get(LoopMetrics.ITERATIONS)
          .tags(LoopMetrics.TAG_SERVICE, SERVICE, LoopMetrics.TAG_OUTCOME, "skipped")
          .counter()
          .count();
    }
  }

  /** Keeps the context of every observation that stopped. */
  private record Recorder(List<Observation.Context> stopped)
      implements ObservationHandler<Observation.Context> {
    @Override
    public void onStop(Observation.Context context) {
      stopped.add(context);
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }
  }
}
