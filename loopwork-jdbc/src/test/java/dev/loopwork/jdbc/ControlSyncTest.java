package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopService;
import dev.loopwork.testsupport.Settled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, the one fleet model: two replicas (runtimes) on one H2 database, each with a {@link
 * FleetGate} kept in step by a {@link ControlSync}. A pause in the shared controls holds the
 * service's iterations back on both while it stays started; a resume lets it run again; a run-once
 * runs one iteration, on the replica that holds the lease.
 */
class ControlSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final String url = TestDatabases.h2Url();
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final ServiceControls operator;

  ControlSyncTest() {
    Database database = open();
    LoopworkSchema.create(database);
    operator = ServiceControls.of(database, "operator");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  @Test
  void aSharedPauseHoldsIterationsOnEveryReplicaAndAResumeLetsThemRunAgain() {
    Replica a = replica("a", "beat", Duration.ofMillis(50), true);
    Replica b = replica("b", "beat", Duration.ofMillis(50), true);
    await().atMost(WAIT).until(() -> a.iterations.get() > 2 && b.iterations.get() > 2);

    operator.setPaused("beat", true);
    a.sync.syncNow();
    b.sync.syncNow();
    assertThat(a.gate.isPaused("beat")).isTrue();
    assertThat(a.service.state().isActive()).as("a paused service stays started").isTrue();
    // An iteration granted just before the pause may still end; then none runs for ten intervals.
    int heldA = Settled.count("a paused", a.iterations::get, Duration.ofMillis(500), WAIT);
    int heldB = Settled.count("b paused", b.iterations::get, Duration.ofMillis(500), WAIT);

    operator.setPaused("beat", false);
    a.sync.syncNow();
    b.sync.syncNow();
    await().atMost(WAIT).until(() -> a.iterations.get() > heldA && b.iterations.get() > heldB);
  }

  @Test
  void aRunOnceRunsOneIterationOnTheLeaseHolderEvenWhilePaused() {
    Replica a = replica("a", "purge", Duration.ofHours(1), false);
    Replica b = replica("b", "purge", Duration.ofHours(1), false);
    // The service has run once, and the two leases (the service's and the journal pruner's) are
    // shared out, one each: a lease in transit for the balance has no holder to run the request.
    await()
        .atMost(WAIT)
        .until(
            () -> {
              System.err.println(
                  "PROBE "
                      + LeaseOwners.read(a.runtime.database())
                      + " a="
                      + a.iterations.get()
                      + " b="
                      + b.iterations.get());
              return holdsOneLeaseEach(a, b) && a.iterations.get() + b.iterations.get() == 1;
            });
    String holder = LeaseOwners.read(a.runtime.database()).get("purge").orElseThrow();
    Replica owner = holder.equals("a") ? a : b;
    Replica other = owner == a ? b : a;
    int ownerBefore = owner.iterations.get();
    int otherBefore = other.iterations.get();
    operator.setPaused("purge", true);
    operator.requestRunOnce("purge");

    a.sync.syncNow();
    b.sync.syncNow();

    await().atMost(WAIT).until(() -> a.iterations.get() + b.iterations.get() == 2);
    assertThat(owner.iterations).as("iterations on the lease holder").hasValue(ownerBefore + 1);
    assertThat(other.iterations).as("iterations on the other replica").hasValue(otherBefore);
    assertThat(operator.readAll().get("purge"))
        .as("the request was taken")
        .isEqualTo(new ServiceControls.Control(true, false));
    a.sync.syncNow();
    b.sync.syncNow();
    await()
        .during(Duration.ofMillis(300))
        .atMost(WAIT)
        .until(() -> a.iterations.get() + b.iterations.get() == 2);
  }

  /** Whether each of {@code a} and {@code b} holds exactly one lease. */
  private static boolean holdsOneLeaseEach(Replica a, Replica b) {
    Map<String, Long> held =
        LeaseOwners.read(a.runtime.database()).values().stream()
            .flatMap(Optional::stream)
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    return held.getOrDefault("a", 0L) == 1 && held.getOrDefault("b", 0L) == 1;
  }

  @Test
  void aRunOnceOfAServiceThatRunsNowhereStaysForTheReplicaThatWillRunIt() {
    Replica a = replica("a", "purge", Duration.ofHours(1), false);
    await().atMost(WAIT).until(() -> a.iterations.get() == 1);
    operator.requestRunOnce("other");

    a.sync.syncNow();

    assertThat(operator.readAll().get("other").runOnceRequested()).isTrue();
  }

  private Database open() {
    Database database = Database.builder().url(url).build();
    opened.add(database);
    return database;
  }

  private Replica replica(String id, String name, Duration interval, boolean everyReplica) {
    FleetGate[] gate = new FleetGate[1];
    JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(open())
            .replicaId(id)
            .leaseTtl(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(100))
            .decorateCoordinator(leases -> gate[0] = new FleetGate(leases))
            .build();
    opened.add(runtime);
    if (everyReplica) {
      gate[0].runOnEveryReplica(name);
    }
    ControlSync sync = new ControlSync(runtime, gate[0], () -> {});
    opened.add(sync);
    AtomicInteger iterations = new AtomicInteger();
    LoopService service = LoopService.of(name, interval, iterations::incrementAndGet);
    runtime.start(service);
    opened.add(() -> service.stop(true));
    return new Replica(runtime, gate[0], sync, service, iterations);
  }

  private record Replica(
      JdbcLoopRuntime runtime,
      FleetGate gate,
      ControlSync sync,
      LoopService service,
      AtomicInteger iterations) {}
}
