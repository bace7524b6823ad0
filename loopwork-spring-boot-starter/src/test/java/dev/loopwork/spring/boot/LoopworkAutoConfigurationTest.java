package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.micrometer.LoopMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import sun.misc.Signal;
import sun.misc.SignalHandler;

@ExtendWith(OutputCaptureExtension.class)
class LoopworkAutoConfigurationTest {
  private static final Duration FAST = Duration.ofMillis(20);

  private final ApplicationContextRunner runner = StarterContexts.WITHOUT_DATABASE;

  private final ApplicationContextRunner withH2 = StarterContexts.ON_H2;

  @Configuration(proxyBeanMethods = false)
  static class OneService {
    @Bean
    CountingService expireSessions() {
      return new CountingService("ExpireSessions", FAST);
    }
  }

  @Test
  void withoutDataSourceServicesRunUncoordinatedAndTheLogSaysSoOnce(CapturedOutput output) {
    runner
        .withUserConfiguration(OneService.class)
        .run(
            context -> {
              assertThat(context)
                  .hasSingleBean(LoopworkServices.class)
                  .doesNotHaveBean(Database.class);
              assertThat(context.getBean(LoopworkRuntime.class).isCoordinated()).isFalse();
              CountingService service = context.getBean(CountingService.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> service.iterations.get() >= 3);
              assertThat(
                      context
                          .getBean(LoopworkServices.class)
                          .status("ExpireSessions")
                          .orElseThrow()
                          .coordination())
                  .isEqualTo(Coordination.EVERY_REPLICA);
            });
    assertThat(output.getOut().split("No DataSource in the application")).hasSize(2);
  }

  @Test
  void withDataSourceServicesAreExclusiveUnderLeasesAndJournaledInIt() {
    withH2
        .withUserConfiguration(OneService.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Database.class);
              LoopworkServices services = context.getBean(LoopworkServices.class);
              assertThat(context.getBean(LoopworkRuntime.class).isCoordinated()).isTrue();
              CountingService service = context.getBean(CountingService.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> service.iterations.get() >= 3);
              LoopServiceStatus status = services.status("ExpireSessions").orElseThrow();
              assertThat(status.coordination()).isEqualTo(Coordination.EXCLUSIVE);
              assertThat(status.owner()).isEqualTo(services.replicaId());
              assertThat(status.ownedHere()).isTrue();
              assertThat(context.getBean(LoopworkRuntime.class).leases())
                  .containsKey("ExpireSessions");
              Database database = context.getBean(Database.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> journalEntries(database, "ExpireSessions") >= 1);
            });
  }

  /**
   * Issue 17: the start's log line says how many services are exclusive (run where their lease is)
   * and how many run on every replica, instead of counting all as run here.
   */
  @Test
  void theStartLogSaysHowManyServicesAreExclusiveAndHowManyRunOnEveryReplica(
      CapturedOutput output) {
    withH2
        .withUserConfiguration(OneService.class)
        .withBean("refresh", CountingService.class, () -> new CountingService("refresh", FAST))
        .withPropertyValues("loopwork.services.refresh.coordination=every-replica")
        .run(
            context -> {
              String replica = context.getBean(LoopworkServices.class).replicaId();
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(
                      () ->
                          output
                              .getOut()
                              .contains(
                                  "Started 2 loop service(s) of 2 as replica "
                                      + replica
                                      + ": 1 exclusive (each runs on the replica that holds its lease;"
                                      + " this one logs each lease it takes), 1 on every replica"));
            });
  }

  /** Issue 17: {@code loopwork.journal.retention} is the journal's retention. */
  @Test
  void theJournalKeepsIterationsForTheConfiguredRetention() {
    withH2
        .withUserConfiguration(OneService.class)
        .withBean(
            LoopworkCustomizer.class,
            () ->
                new LoopworkCustomizer() {
                  @Override
                  public void customize(JdbcLoopRuntime.Builder runtime) {
                    runtime.pruneInterval(Duration.ofMillis(200));
                  }
                })
        .withPropertyValues("loopwork.journal.retention=1h")
        .run(
            context -> {
              Database database = context.getBean(Database.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> journalEntries(database, "ExpireSessions") >= 1);
              for (String service : List.of("two-hours-ago", "ten-minutes-ago")) {
                try (Connection c = database.connection();
                    PreparedStatement insert =
                        c.prepareStatement(
                            "INSERT INTO loopwork_run (service, replica_id, iteration, started_at, "
                                + "duration_us, outcome) VALUES (?, 'elsewhere', 1, ?, 0, 'SUCCEEDED')")) {
                  insert.setString(1, service);
                  insert.setTimestamp(
                      2,
                      Timestamp.from(
                          Instant.now()
                              .minus(
                                  service.startsWith("two")
                                      ? Duration.ofHours(2)
                                      : Duration.ofMinutes(10))));
                  insert.executeUpdate();
                }
              }
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> journalEntries(database, "two-hours-ago") == 0);
              assertThat(journalEntries(database, "ten-minutes-ago")).isOne();
            });
  }

  private static int journalEntries(Database database, String service) throws Exception {
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement("SELECT COUNT(*) FROM loopwork_run WHERE service = ?")) {
      s.setString(1, service);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  @Test
  void disabledByProperty() {
    runner
        .withUserConfiguration(OneService.class)
        .withPropertyValues("loopwork.enabled=false")
        .run(
            context -> {
              assertThat(context)
                  .doesNotHaveBean(LoopworkServices.class)
                  .doesNotHaveBean(LoopworkRuntime.class);
              assertThat(context.getBean(CountingService.class).state()).isEqualTo(LoopState.NEW);
            });
  }

  @Test
  void aDisabledServiceIsListedButNeverStarted() {
    runner
        .withUserConfiguration(OneService.class)
        .withPropertyValues("loopwork.services.expire-sessions.enabled=false")
        .run(
            context -> {
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("ExpireSessions").orElseThrow();
              assertThat(status.enabled()).isFalse();
              assertThat(status.state()).isEqualTo(LoopState.NEW);
            });
  }

  @Test
  void intervalAndTimeoutComeFromProperties() {
    runner
        .withUserConfiguration(OneService.class)
        .withPropertyValues(
            "loopwork.services.expire-sessions.interval=45s",
            "loopwork.services.expire-sessions.timeout=5s")
        .run(
            context -> {
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("ExpireSessions").orElseThrow();
              assertThat(status.interval()).isEqualTo("PT45S");
              assertThat(status.timeout()).isEqualTo("PT5S");
            });
  }

  @Test
  void environmentVariablesBindToServicesByRelaxedName() {
    runner
        .withUserConfiguration(OneService.class)
        .withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    .addFirst(
                        new SystemEnvironmentPropertySource(
                            "systemEnvironment",
                            Map.of("LOOPWORK_SERVICES_EXPIRESESSIONS_INTERVAL", "7s"))))
        .run(
            context -> {
              assertThat(
                      context
                          .getBean(LoopworkServices.class)
                          .status("ExpireSessions")
                          .orElseThrow()
                          .interval())
                  .isEqualTo("PT7S");
            });
  }

  @Test
  void springManagedServicesNeverHandleSignals() {
    runner
        .withUserConfiguration(OneService.class)
        .run(
            context -> {
              CountingService service = context.getBean(CountingService.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> service.iterations.get() >= 1);
              Signal term = new Signal("TERM");
              SignalHandler current = Signal.handle(term, SignalHandler.SIG_DFL);
              Signal.handle(term, current);
              assertThat(current.getClass().getName()).doesNotStartWith("dev.loopwork");
            });
  }

  @Test
  void closingTheContextStopsServicesAndWaitsForTheRunningIteration() {
    Gate gate = new Gate();
    LoopService slow = LoopService.of("slow", FAST, gate::pass);
    runner
        .withBean("slow", LoopService.class, () -> slow)
        .withPropertyValues("loopwork.shutdown.timeout=10s")
        .run(
            context -> {
              await().atMost(Duration.ofSeconds(10)).until(() -> gate.entered.getCount() == 0);
              Thread opener = new Thread(() -> gate.openOnceStopIsRequested(slow));
              opener.start();
              context.close();
              assertThat(gate.finished).isTrue();
              assertThat(slow.state()).isEqualTo(LoopState.STOPPED);
              opener.join();
            });
  }

  @Test
  void closingTheContextWaitsNoLongerThanTheShutdownTimeout(CapturedOutput output) {
    Gate gate = new Gate();
    LoopService stuck = LoopService.of("stuck", FAST, gate::pass);
    try {
      runner
          .withBean("stuck", LoopService.class, () -> stuck)
          .withPropertyValues("loopwork.shutdown.timeout=300ms")
          .run(
              context -> {
                await().atMost(Duration.ofSeconds(10)).until(() -> gate.entered.getCount() == 0);
                context.close();
                assertThat(stuck.isRunning()).isTrue();
                assertThat(output.getOut())
                    .contains(
                        "Loop services still running after loopwork.shutdown.timeout of "
                            + "PT0.3S: [stuck[");
              });
    } finally {
      gate.release.countDown();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> stuck.state() == LoopState.STOPPED);
  }

  /**
   * Issue 17: {@code loopwork.shutdown.timeout} is the one limit of a shutdown, also with a
   * database: closing the runtime after it waits no more (it used to wait another 10 s), and the
   * stuck service's lease is not released while its iteration runs.
   */
  @Test
  void withADatabaseClosingTheContextWaitsNoLongerThanTheShutdownTimeout(CapturedOutput output) {
    Gate gate = new Gate();
    LoopService stuck = LoopService.of("stuck", FAST, gate::pass);
    try {
      withH2
          .withBean("stuck", LoopService.class, () -> stuck)
          .withPropertyValues("loopwork.shutdown.timeout=300ms")
          .run(
              context -> {
                await().atMost(Duration.ofSeconds(10)).until(() -> gate.entered.getCount() == 0);
                long begin = System.nanoTime();
                context.close();
                assertThat(Duration.ofNanos(System.nanoTime() - begin))
                    .isLessThan(Duration.ofSeconds(5));
                assertThat(stuck.isRunning()).isTrue();
                assertThat(output.getOut())
                    .contains("keeps the leases of [stuck] until their running iterations end");
              });
    } finally {
      gate.release.countDown();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> stuck.state() == LoopState.STOPPED);
  }

  /**
   * Issue 17: a lease setting that the runtime refuses stops the start-up with a message that names
   * the properties, not the builder's fields, and Spring Boot reports it as a failure analysis.
   */
  @Test
  void aBadLeaseSettingIsReportedByItsPropertyName() {
    withH2
        .withUserConfiguration(OneService.class)
        .withPropertyValues("loopwork.coordination.poll-interval=2s")
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure = context.getStartupFailure();
              assertThat(failure)
                  .rootCause()
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("pollInterval");
              FailureAnalysis analysis =
                  new LoopworkConfigurationFailureAnalyzer().analyze(failure);
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .contains(
                      "loopwork.coordination.poll-interval must be at most a third of "
                          + "loopwork.coordination.lease-ttl (PT3S): PT2S");
              assertThat(analysis.getAction()).contains("loopwork.*");
            });
  }

  @Test
  void anExclusiveServiceWithoutDataSourceFailsTheStartup() {
    runner
        .withUserConfiguration(OneService.class)
        .withPropertyValues("loopwork.services.expire-sessions.coordination=exclusive")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("needs a DataSource");
            });
  }

  @Test
  void anEveryReplicaServiceRunsOutsideTheLeases() {
    withH2
        .withUserConfiguration(OneService.class)
        .withPropertyValues("loopwork.services.expire-sessions.coordination=every-replica")
        .run(
            context -> {
              CountingService service = context.getBean(CountingService.class);
              await().atMost(Duration.ofSeconds(10)).until(() -> service.iterations.get() >= 3);
              assertThat(context.getBean(LoopworkRuntime.class).leases())
                  .doesNotContainKey("ExpireSessions");
            });
  }

  @Test
  void namesThatDifferOnlyInPunctuationAreRejected() {
    runner
        .withBean("a", LoopService.class, () -> new CountingService("expire-sessions", FAST))
        .withBean("b", LoopService.class, () -> new CountingService("ExpireSessions", FAST))
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("same name");
            });
  }

  @Test
  void aMeterRegistryGetsLoopMetrics() {
    runner
        .withUserConfiguration(OneService.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              assertThat(context).hasSingleBean(LoopMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> CountingService.iterations(registry, "ExpireSessions") >= 2);
            });
  }

  @Test
  void noMicrometerNoMetrics() {
    runner
        .withUserConfiguration(OneService.class)
        .withClassLoader(new FilteredClassLoader("io.micrometer"))
        .run(
            context ->
                assertThat(context)
                    .hasSingleBean(LoopworkServices.class)
                    .doesNotHaveBean(LoopMetrics.class));
  }

  @Test
  void nothingWithoutLoopworkOnTheClassPath() {
    runner
        .withUserConfiguration(OneService.class)
        .withClassLoader(new FilteredClassLoader(LoopService.class))
        .run(context -> assertThat(context).doesNotHaveBean(LoopworkServices.class));
  }

  @Test
  void noMeterRegistryNoMetrics() {
    runner
        .withUserConfiguration(OneService.class)
        .run(context -> assertThat(context).doesNotHaveBean(LoopMetrics.class));
  }

  @Test
  void customizersAdjustTheEngineAndTheDatabaseRuntime() {
    List<IterationResult> seen = new CopyOnWriteArrayList<>();
    List<String> runtimes = new CopyOnWriteArrayList<>();
    withH2
        .withUserConfiguration(OneService.class)
        .withBean(
            LoopworkCustomizer.class,
            () ->
                new LoopworkCustomizer() {
                  @Override
                  public void customize(LoopEngine.Builder engine) {
                    engine.listener(
                        new LoopListener() {
                          @Override
                          public void onIterationEnd(LoopService service, IterationResult result) {
                            seen.add(result);
                          }
                        });
                  }

                  @Override
                  public void customize(JdbcLoopRuntime.Builder runtime) {
                    runtime.replicaId("customized-replica");
                    runtimes.add("customized");
                  }
                })
        .run(
            context -> {
              await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 2);
              assertThat(runtimes).containsExactly("customized");
              assertThat(context.getBean(LoopworkServices.class).replicaId())
                  .isEqualTo("customized-replica");
            });
  }

  @Test
  void listenerBeansSeeEveryService() {
    List<String> seen = new CopyOnWriteArrayList<>();
    runner
        .withUserConfiguration(OneService.class)
        .withBean(
            LoopListener.class,
            () ->
                new LoopListener() {
                  @Override
                  public void onIterationEnd(LoopService service, IterationResult result) {
                    seen.add(service.name());
                  }
                })
        .run(
            context ->
                await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> seen.contains("ExpireSessions")));
  }

  @Test
  void userBeansReplaceEveryAutoConfiguredBean() {
    LoopworkRuntime runtime = LoopworkRuntime.uncoordinated(LoopEngine.builder());
    LoopMetrics metrics = LoopMetrics.of(new SimpleMeterRegistry());
    withH2
        .withUserConfiguration(OneService.class)
        .withBean(LoopworkRuntime.class, () -> runtime)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(LoopMetrics.class, () -> metrics)
        .withBean(
            LoopworkServices.class,
            () -> new LoopworkServices(runtime, new LoopworkProperties(), List.of()))
        .run(
            context -> {
              assertThat(context.getBean(LoopworkRuntime.class)).isSameAs(runtime);
              assertThat(context.getBean(LoopMetrics.class)).isSameAs(metrics);
              assertThat(context.getBean(LoopworkServices.class).names()).isEmpty();
              assertThat(context.getBean(CountingService.class).state()).isEqualTo(LoopState.NEW);
            });
  }

  @Test
  void aUserDatabaseReplacesTheOneBuiltOnTheDataSource() {
    Database database =
        Database.builder().url("jdbc:h2:mem:user-database;DB_CLOSE_DELAY=-1").build();
    try {
      withH2
          .withBean(Database.class, () -> database)
          .run(context -> assertThat(context.getBean(Database.class)).isSameAs(database));
    } finally {
      database.close();
    }
  }

  /** An iteration body that holds the first iteration until the service is asked to stop. */
  static final class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean finished;

    void pass() throws InterruptedException {
      entered.countDown();
      release.await();
      finished = true;
    }

    void openOnceStopIsRequested(LoopService service) {
      await().atMost(Duration.ofSeconds(10)).until(service::isStopRequested);
      release.countDown();
    }
  }
}
