package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

/**
 * Issues 16 and 17: {@code @LoopTask(cron, zone, misfireGrace)} and {@code
 * loopwork.services.<name>.cron|zone|misfire-grace} run a bean method at the fires of a cron
 * expression, shown by the status with its zone and next fire; every bad combination stops the
 * start with a message naming where it was written.
 */
class LoopTaskCronTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ApplicationContextRunner runner = StarterContexts.WITHOUT_DATABASE;

  /** Fires every second, in the zone that a property may give (Tokyo by default). */
  static class EverySecond {
    final List<Instant> fires = new CopyOnWriteArrayList<>();

    @LoopTask(cron = "* * * * * *", zone = "${every-second.zone:Asia/Tokyo}")
    void tick() {
      fires.add(Instant.now());
    }
  }

  @Test
  void aSixFieldCronMethodRunsAtEachFireInItsZoneAndTheStatusShowsTheSchedule() {
    runner
        .withBean(EverySecond.class)
        .run(
            context -> {
              EverySecond task = context.getBean(EverySecond.class);
              await().atMost(WAIT).until(() -> task.fires.size() >= 2);
              // One iteration per fire, a second apart: not back to back as a zero interval would.
              assertThat(Duration.between(task.fires.get(0), task.fires.get(1)))
                  .isGreaterThan(Duration.ofMillis(500));
              LoopworkServices services = context.getBean(LoopworkServices.class);
              assertThat(services.service("tick").orElseThrow().options().schedule())
                  .contains(CronSchedule.parse("* * * * * *", ZoneId.of("Asia/Tokyo")));
              LoopServiceStatus status = services.status("tick").orElseThrow();
              assertThat(status.interval()).isNull();
              assertThat(status.cron()).isEqualTo("* * * * * *");
              assertThat(status.zone()).isEqualTo("Asia/Tokyo");
              assertThat(Instant.parse(status.nextFire()))
                  .isAfter(Instant.now().minusSeconds(1))
                  .isBefore(Instant.now().plusSeconds(3));
              assertThat(status.nextRun()).isNotNull();
            });
  }

  @Test
  void withADataSourceTheCronMethodRunsUnderALease() {
    StarterContexts.ON_H2
        .withBean(EverySecond.class)
        .run(
            context -> {
              EverySecond task = context.getBean(EverySecond.class);
              await().atMost(WAIT).until(() -> task.fires.size() >= 2);
              LoopworkServices services = context.getBean(LoopworkServices.class);
              LoopServiceStatus status = services.status("tick").orElseThrow();
              assertThat(status.coordination()).isEqualTo(Coordination.EXCLUSIVE);
              assertThat(status.owner()).isEqualTo(services.replicaId());
              assertThat(status.cron()).isEqualTo("* * * * * *");
            });
  }

  /** A nightly task without a zone. */
  static class Nightly {
    @LoopTask(cron = "0 3 * * *")
    void rebuild() {}
  }

  @Test
  void withoutAZoneTheCronIsReadInTheJvmsDefaultZone() {
    runner
        .withBean(Nightly.class)
        .run(
            context -> {
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("rebuild").orElseThrow();
              assertThat(status.zone()).isEqualTo(ZoneId.systemDefault().getId());
              assertThat(status.cron()).isEqualTo("0 3 * * *");
              assertThat(Instant.parse(status.nextFire()))
                  .isEqualTo(
                      CronSchedule.parse("0 3 * * *", ZoneId.systemDefault())
                          .nextFireAfter(Instant.now()));
            });
  }

  @Test
  void propertiesReplaceTheAnnotationsCronWithAnIntervalOrItsZone() {
    runner
        .withBean(EverySecond.class)
        .withPropertyValues("loopwork.services.tick.interval=20ms")
        .run(
            context -> {
              EverySecond task = context.getBean(EverySecond.class);
              await().atMost(WAIT).until(() -> task.fires.size() >= 5);
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("tick").orElseThrow();
              assertThat(status.interval()).isEqualTo("PT0.02S");
              assertThat(status.cron()).isNull();
              assertThat(status.zone()).isNull();
              assertThat(status.nextFire()).isNull();
            });
    runner
        .withBean(EverySecond.class)
        .withPropertyValues("loopwork.services.tick.zone=America/Sao_Paulo")
        .run(
            context ->
                assertThat(context.getBean(LoopworkServices.class).status("tick").orElseThrow())
                    .extracting(LoopServiceStatus::cron, LoopServiceStatus::zone)
                    .containsExactly("* * * * * *", "America/Sao_Paulo"));
  }

  @Test
  void aCronPropertyReplacesTheAnnotationsInterval() {
    runner
        .withUserConfiguration(LoopTaskTest.SweeperConfiguration.class)
        .withPropertyValues(
            "sweeper.every=1h",
            "loopwork.services.sweep.cron=* * * * * *",
            "loopwork.services.sweep.zone=Europe/Berlin")
        .run(
            context -> {
              LoopTaskTest.Sweeper sweeper = context.getBean(LoopTaskTest.Sweeper.class);
              // The hour-long interval would have run once at the start; the cron runs every
              // second.
              await().atMost(WAIT).until(() -> sweeper.iterations.size() >= 2);
              LoopServiceStatus status =
                  context.getBean(LoopworkServices.class).status("sweep").orElseThrow();
              assertThat(status.interval()).isNull();
              assertThat(status.cron()).isEqualTo("* * * * * *");
              assertThat(status.zone()).isEqualTo("Europe/Berlin");
            });
  }

  /** A nightly task whose missed fire may run two hours late, or as a placeholder says. */
  static class NightlyWithGrace {
    @LoopTask(cron = "0 3 * * *", misfireGrace = "${nightly.grace:2h}")
    void rebuild() {}
  }

  @Test
  void theMisfireGraceOfTheAnnotationOrOfItsPropertyReachesTheOptions() {
    assertMisfireGrace(runner.withBean(NightlyWithGrace.class), Duration.ofHours(2));
    assertMisfireGrace(
        runner.withBean(NightlyWithGrace.class).withPropertyValues("nightly.grace=0"),
        Duration.ZERO);
    assertMisfireGrace(
        runner
            .withBean(NightlyWithGrace.class)
            .withPropertyValues("loopwork.services.rebuild.misfire-grace=15m"),
        Duration.ofMinutes(15));
    assertMisfireGrace(
        runner
            .withBean(Nightly.class)
            .withPropertyValues("loopwork.services.rebuild.misfire-grace=0"),
        Duration.ZERO);
    // With a cron property on an interval task, as with the task's own cron.
    runner
        .withUserConfiguration(LoopTaskTest.SweeperConfiguration.class)
        .withPropertyValues(
            "sweeper.every=1h",
            "loopwork.services.sweep.cron=0 3 * * *",
            "loopwork.services.sweep.misfire-grace=10m")
        .run(
            context ->
                assertThat(runningOptions(context, "sweep").misfireGrace())
                    .contains(Duration.ofMinutes(10)));
    // Neither: the default, one period of the expression.
    runner
        .withBean(Nightly.class)
        .run(context -> assertThat(runningOptions(context, "rebuild").misfireGrace()).isEmpty());
  }

  /** Expects the service {@code rebuild} of {@code context} to run with {@code grace}. */
  private static void assertMisfireGrace(ApplicationContextRunner context, Duration grace) {
    context.run(
        started ->
            assertThat(runningOptions(started, "rebuild").misfireGrace())
                .as("misfire grace")
                .contains(grace));
  }

  /**
   * The options the engine runs the service {@code name} with: its own, with its {@code
   * loopwork.services.<name>.*} properties applied.
   */
  private static LoopOptions runningOptions(ApplicationContext context, String name) {
    LoopService service = context.getBean(LoopworkServices.class).service(name).orElseThrow();
    return new ServiceOptionsOverride(context.getBean(LoopworkProperties.class)).optionsOf(service);
  }

  static class GraceWithoutCron {
    @LoopTask(interval = "1s", misfireGrace = "${sweep.grace:1m}")
    void sweep() {}
  }

  static class GraceNotADuration {
    @LoopTask(cron = "0 3 * * *", misfireGrace = "soon")
    void sweep() {}
  }

  static class NegativeGrace {
    @LoopTask(cron = "0 3 * * *", misfireGrace = "-1s")
    void sweep() {}
  }

  @Test
  void aBadMisfireGraceStopsTheStartNamingTheAttributeOrTheProperty() {
    assertStartFails(
        runner.withBean(GraceWithoutCron.class),
        "@LoopTask on GraceWithoutCron.sweep() of bean",
        "misfireGrace \"1m\" (written \"${sweep.grace:1m}\") applies to a cron, and none is given");
    assertStartFails(
        runner.withBean(GraceNotADuration.class),
        "@LoopTask on GraceNotADuration.sweep() of bean",
        "misfireGrace \"soon\" is not a duration");
    assertStartFails(
        runner.withBean(NegativeGrace.class),
        "@LoopTask on NegativeGrace.sweep() of bean",
        "misfireGrace must not be negative: -1s");
    assertStartFails(
        runner
            .withUserConfiguration(LoopTaskTest.SweeperConfiguration.class)
            .withPropertyValues("sweeper.every=1s", "loopwork.services.sweep.misfire-grace=1m"),
        "loopwork.services.sweep.misfire-grace PT1M applies to a cron expression, and the"
            + " service has none; set loopwork.services.sweep.cron too");
    assertStartFails(
        runner
            .withBean(EverySecond.class)
            .withPropertyValues(
                "loopwork.services.tick.interval=5s", "loopwork.services.tick.misfire-grace=1m"),
        "loopwork.services.tick.misfire-grace PT1M applies to a cron expression, not to"
            + " loopwork.services.tick.interval");
    runner
        .withBean(EverySecond.class)
        .withPropertyValues("loopwork.services.tick.misfire-grace=-1s")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("misfire-grace must not be negative: PT-1S"));
  }

  static class BothIntervalAndCron {
    @LoopTask(interval = "1s", cron = "0 3 * * *")
    void sweep() {}
  }

  static class NeitherIntervalNorCron {
    @LoopTask(interval = "${sweep.every:}", cron = "${sweep.cron:}")
    void sweep() {}
  }

  static class BadCron {
    @LoopTask(cron = "0 0 32 * *")
    void sweep() {}
  }

  static class BadZone {
    @LoopTask(cron = "0 3 * * *", zone = "${sweep.zone:Mars/Olympus}")
    void sweep() {}
  }

  static class ZoneWithoutCron {
    @LoopTask(interval = "1s", zone = "Europe/Berlin")
    void sweep() {}
  }

  static class CronWithInitialDelay {
    @LoopTask(cron = "0 3 * * *", initialDelay = "10s")
    void sweep() {}
  }

  @Test
  void aBadCronAnnotationStopsTheStartNamingTheMethodAndTheAttributes() {
    assertStartFails(
        runner.withBean(BothIntervalAndCron.class),
        "@LoopTask on BothIntervalAndCron.sweep() of bean",
        "give one of interval and cron, not both: interval \"1s\", cron \"0 3 * * *\"");
    assertStartFails(
        runner.withBean(NeitherIntervalNorCron.class),
        "@LoopTask on NeitherIntervalNorCron.sweep() of bean",
        "give one of interval and cron; neither is given (interval written \"${sweep.every:}\")"
            + " (cron written \"${sweep.cron:}\")");
    assertStartFails(
        runner.withBean(BadCron.class),
        "@LoopTask on BadCron.sweep() of bean",
        "cron \"0 0 32 * *\" is not a valid cron expression: day-of-month field '32': value 32 is"
            + " out of range 1-31");
    assertStartFails(
        runner.withBean(BadZone.class),
        "@LoopTask on BadZone.sweep() of bean",
        "zone \"Mars/Olympus\" (written \"${sweep.zone:Mars/Olympus}\") is not a time zone id",
        "Mars/Olympus");
    assertStartFails(
        runner.withBean(ZoneWithoutCron.class),
        "@LoopTask on ZoneWithoutCron.sweep() of bean",
        "zone \"Europe/Berlin\" applies to a cron, and none is given");
    assertStartFails(
        runner.withBean(CronWithInitialDelay.class),
        "@LoopTask on CronWithInitialDelay.sweep() of bean",
        "initialDelay applies to an interval, not to a cron",
        "initialDelay \"10s\", cron \"0 3 * * *\"");
  }

  @Test
  void aBadScheduleInThePropertiesStopsTheStartNamingTheProperties() {
    assertStartFails(
        runner
            .withBean(EverySecond.class)
            .withPropertyValues(
                "loopwork.services.tick.interval=5s", "loopwork.services.tick.cron=0 3 * * *"),
        "loopwork.services.tick.interval and loopwork.services.tick.cron are both set"
            + " (PT5S, \"0 3 * * *\"); set one of them");
    assertStartFails(
        runner
            .withBean(EverySecond.class)
            .withPropertyValues("loopwork.services.tick.cron=0 0 * *"),
        "loopwork.services.tick.cron \"0 0 * *\" is not a valid cron expression:",
        "0 0 * *");
    assertStartFails(
        runner
            .withBean(EverySecond.class)
            .withPropertyValues("loopwork.services.tick.cron=61 * * * *"),
        "loopwork.services.tick.cron \"61 * * * *\" is not a valid cron expression: minute field"
            + " '61'");
    assertStartFails(
        runner.withBean(EverySecond.class).withPropertyValues("loopwork.services.tick.zone=Berlin"),
        "loopwork.services.tick.zone \"Berlin\" is not a time zone id");
    assertStartFails(
        runner
            .withUserConfiguration(LoopTaskTest.SweeperConfiguration.class)
            .withPropertyValues("sweeper.every=1s", "loopwork.services.sweep.zone=Europe/Berlin"),
        "loopwork.services.sweep.zone \"Europe/Berlin\" applies to a cron expression, and the"
            + " service has none; set loopwork.services.sweep.cron too");
  }

  /**
   * Starts {@code context} and expects it to fail with a Loopwork configuration error whose
   * failure-analysis report contains each of {@code fragments}.
   */
  private static void assertStartFails(ApplicationContextRunner context, String... fragments) {
    context.run(
        started -> {
          assertThat(started).hasFailed();
          FailureAnalysis analysis =
              new LoopworkConfigurationFailureAnalyzer().analyze(started.getStartupFailure());
          assertThat(analysis).as("a LoopworkConfigurationException in the failure").isNotNull();
          for (String fragment : fragments) {
            assertThat(analysis.getDescription()).contains(fragment);
          }
        });
  }
}
