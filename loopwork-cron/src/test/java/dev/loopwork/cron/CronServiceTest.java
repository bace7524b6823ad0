package dev.loopwork.cron;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron schedules run by the engine on the manual clock, as a user sets them. */
class CronServiceTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private final List<Instant> starts = new ArrayList<>();

  private LoopService service(ManualClock clock, CronSchedule schedule) {
    return LoopService.of(
        "nightly",
        LoopOptions.builder().schedule(schedule).handleSignals(false).build(),
        () -> starts.add(clock.instant()));
  }

  @Test
  void aSixFieldExpressionFiresEveryTwoSecondsOnTheWallClock() {
    ManualClock clock = new ManualClock(Instant.parse("2026-06-01T12:00:00.500Z"));
    LoopTesting.engine(clock).start(service(clock, CronSchedule.parse("*/2 * * * * *", BERLIN)));
    clock.advance(Duration.ofSeconds(6));
    assertThat(starts)
        .containsExactly(
            Instant.parse("2026-06-01T12:00:02Z"),
            Instant.parse("2026-06-01T12:00:04Z"),
            Instant.parse("2026-06-01T12:00:06Z"));
  }

  @Test
  void aNightlyServiceFiresOncePerNightAcrossBothDaylightSavingChanges() {
    CronSchedule nightly = CronSchedule.parse("30 2 * * *", BERLIN);
    ManualClock clock = new ManualClock(Instant.parse("2026-03-28T12:00:00Z"));
    LoopEngine engine = LoopTesting.engine(clock);
    engine.start(service(clock, nightly));
    clock.advance(Duration.ofDays(2));
    // 02:30 does not exist on 2026-03-29: it fires at the gap's end, 03:00 CEST.
    assertThat(starts)
        .containsExactly(
            Instant.parse("2026-03-29T01:00:00Z"), Instant.parse("2026-03-30T00:30:00Z"));

    starts.clear();
    ManualClock autumn = new ManualClock(Instant.parse("2026-10-24T12:00:00Z"));
    LoopTesting.engine(autumn).start(service(autumn, nightly));
    autumn.advance(Duration.ofDays(2));
    // 02:30 happens twice on 2026-10-25: it fires at the first, 02:30 CEST, only.
    assertThat(starts)
        .containsExactly(
            Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-26T01:30:00Z"));
  }

  @Test
  void anNtpStepBackAfterAFireDoesNotRunItAgain() {
    ManualClock clock = new ManualClock(Instant.parse("2026-06-01T00:59:00Z"));
    LoopTesting.engine(clock).start(service(clock, CronSchedule.parse("0 3 * * *", BERLIN)));
    clock.advance(Duration.ofMinutes(2)); // 03:00 CEST is 01:00Z
    assertThat(starts).containsExactly(Instant.parse("2026-06-01T01:00:00Z"));
    clock.stepWallClock(Duration.ofMinutes(-30));
    clock.advance(Duration.ofHours(1));
    assertThat(starts).containsExactly(Instant.parse("2026-06-01T01:00:00Z"));
  }

  @Test
  void theDefaultMisfireGraceIsOnePeriodOfTheExpression() {
    // Every hour; the clock jumps 1 h 20 min forward: the latest missed fire is 20 min old, which
    // is within one period (1 h), so it runs once at once.
    ManualClock clock = new ManualClock(Instant.parse("2026-06-01T00:10:00Z"));
    LoopTesting.engine(clock).start(service(clock, CronSchedule.parse("@hourly", BERLIN)));
    clock.stepWallClock(Duration.ofMinutes(80)); // 01:30Z: 01:00Z passed
    clock.advance(Duration.ofMinutes(1));
    assertThat(starts).containsExactly(Instant.parse("2026-06-01T01:31:00Z"));
    clock.advance(Duration.ofMinutes(29));
    assertThat(starts)
        .containsExactly(
            Instant.parse("2026-06-01T01:31:00Z"), Instant.parse("2026-06-01T02:00:00Z"));
  }
}
