package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.cron.CronSchedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 16: the next run that a replica publishes for its interval and cron services. */
class StatusBoardTest {
  private static final Instant NOW = Instant.parse("2026-03-28T12:00:00.400Z");
  private static final ScheduleSpec NIGHTLY =
      new ScheduleSpec.Cron(
          CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin")), true, Optional.empty());

  private final StatusBoard board = new StatusBoard(Clock.fixed(NOW, ZoneOffset.UTC));

  private void list(String name, ScheduleSpec schedule) {
    board.list(new StatusBoard.Listing(name, "sql", "exclusive", true, schedule));
  }

  private void ran(String name, Instant start, Duration duration) {
    board.onIterationEnd(
        null,
        new IterationResult(name, 1, start, duration, IterationOutcome.SUCCEEDED, null, false, 0));
  }

  @Test
  void aCronServiceIsDueAtItsFirstFireBeforeItHasRun() {
    list("nightly", NIGHTLY);
    list("ticker", new ScheduleSpec.Interval(Duration.ofSeconds(30)));

    assertThat(board.status("nightly").nextRun())
        .as("03:00 in Berlin, the day the clocks go forward: 01:00 UTC")
        .isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
    assertThat(board.status("ticker").nextRun()).isNull();
  }

  @Test
  void afterAnIterationTheNextFireAfterItsStartIsDueOrItsEndIfItRanPastThat() {
    list("nightly", NIGHTLY);
    list("every-2s", cronEvery2s());

    ran("nightly", Instant.parse("2026-03-28T02:00:00.003Z"), Duration.ofSeconds(5));
    ran("every-2s", Instant.parse("2026-03-28T12:00:00.002Z"), Duration.ofMillis(2500));

    assertThat(board.status("nightly").nextRun()).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
    assertThat(board.status("every-2s").nextRun())
        .as("it ran past the fire at 12:00:02: the next iteration follows at once")
        .isEqualTo(Instant.parse("2026-03-28T12:00:02.502Z"));
  }

  private static ScheduleSpec cronEvery2s() {
    return new ScheduleSpec.Cron(
        CronSchedule.parse("*/2 * * * * *", ZoneOffset.UTC), true, Optional.empty());
  }
}
