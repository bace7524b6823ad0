package dev.loopwork.cron;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks the schedule minute by minute against the definition of its rules, computed by brute
 * force: a wall-clock time fires at the first instant whose wall clock reads that time or later.
 * That one sentence is the whole rule (an ordinary time fires when it occurs, a repeated one at its
 * first occurrence, a skipped one when the gap ends), and it is computed here without the zone's
 * transitions, by walking the instants minute by minute.
 */
class WallClockOracleTest {
  private static final List<String> EXPRESSIONS =
      List.of(
          "* * * * *",
          "*/7 * * * *",
          "0,30 * * * *",
          "30 2 * * *",
          "59 23 * * *",
          "0 0 * * *",
          "15,45 1-3 * * *");

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "Europe/Berlin, 2026-03-29",
    "Europe/Berlin, 2026-10-25",
    "America/Sao_Paulo, 2018-02-17",
    "America/Sao_Paulo, 2018-11-04",
    "Africa/Cairo, 2023-04-28",
    "Africa/Cairo, 2023-10-26",
    "Australia/Lord_Howe, 2026-04-05",
    "Australia/Lord_Howe, 2026-10-04",
  })
  void everyInstantAroundAChangeDayGetsTheFireTheDefinitionGives(String zoneId, LocalDate day) {
    ZoneId zone = ZoneId.of(zoneId);
    LocalDateTime windowStart = day.minusDays(1).atStartOfDay();
    LocalDateTime windowEnd = day.plusDays(2).atStartOfDay();
    Instant scanStart = windowStart.minusDays(1).toInstant(ZoneOffset.UTC);
    Instant scanEnd = windowEnd.plusDays(1).toInstant(ZoneOffset.UTC);
    for (String expression : EXPRESSIONS) {
      CronSchedule schedule = CronSchedule.parse(expression, zone);
      List<Instant> expected =
          firesByDefinition(schedule, windowStart, windowEnd, scanStart, scanEnd);
      Instant first = expected.get(0);
      Instant last = expected.get(expected.size() - 1);

      assertThat(schedule.nextFires(first.minusNanos(1), expected.size()))
          .as("%s from %s", schedule, first)
          .containsExactlyElementsOf(expected);
      int next = 0;
      for (Instant at = first; at.isBefore(last); at = at.plus(Duration.ofMinutes(1))) {
        while (!expected.get(next).isAfter(at)) {
          next++;
        }
        assertThat(schedule.nextFireAfter(at))
            .as("%s after %s", schedule, at)
            .isEqualTo(expected.get(next));
      }
    }
  }

  /** The fires of the wall-clock times in [windowStart, windowEnd), by the definition. */
  private static List<Instant> firesByDefinition(
      CronSchedule schedule,
      LocalDateTime windowStart,
      LocalDateTime windowEnd,
      Instant scanStart,
      Instant scanEnd) {
    List<LocalDateTime> times = new ArrayList<>();
    for (LocalDateTime t = windowStart; t.isBefore(windowEnd); t = t.plusMinutes(1)) {
      if (schedule.expression().matches(t)) {
        times.add(t);
      }
    }
    TreeSet<Instant> fires = new TreeSet<>();
    int next = 0;
    for (Instant at = scanStart; at.isBefore(scanEnd) && next < times.size(); ) {
      if (!LocalDateTime.ofInstant(at, schedule.zone()).isBefore(times.get(next))) {
        fires.add(at);
        next++;
      } else {
        at = at.plus(Duration.ofMinutes(1));
      }
    }
    assertThat(next).as("every time of the window found its instant").isEqualTo(times.size());
    return List.copyOf(fires);
  }
}
