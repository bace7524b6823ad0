package dev.loopwork.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fire times against a table of expectations worked out from the zones' rules (java.time's tzdb):
 * the daylight-saving days of Europe/Berlin, America/Sao_Paulo (midnight changes), Africa/Cairo
 * (its 2023 reinstated change, at midnight), Australia/Lord_Howe (30-minute changes) and
 * Pacific/Apia (a whole day skipped), and the calendar's short months and leap days.
 */
class CronScheduleTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
"""
# case                                                          | zone                | expression       | after                     | the next fires
# Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z); 02:00-02:59 do not exist.
spring gap: 02:30 fires at 03:00 CEST, once                     | Europe/Berlin       | 30 2 * * *       | 2026-03-28T00:00+01:00    | 2026-03-28T02:30+01:00, 2026-03-29T03:00+02:00, 2026-03-30T02:30+02:00
spring gap: hourly 02:00 and 03:00 are one instant, fired once  | Europe/Berlin       | 0 * * * *        | 2026-03-29T00:30+01:00    | 2026-03-29T01:00+01:00, 2026-03-29T03:00+02:00, 2026-03-29T04:00+02:00
spring gap: four quarter hours in the gap collapse into 03:00   | Europe/Berlin       | */15 * * * *     | 2026-03-29T01:30+01:00    | 2026-03-29T01:45+01:00, 2026-03-29T03:00+02:00, 2026-03-29T03:15+02:00
spring gap: asked at its end, the next fire is after it         | Europe/Berlin       | 0 * * * *        | 2026-03-29T03:00+02:00    | 2026-03-29T04:00+02:00
spring gap: 03:00 daily is unaffected                           | Europe/Berlin       | 0 3 * * *        | 2026-03-28T12:00+01:00    | 2026-03-29T03:00+02:00, 2026-03-30T03:00+02:00
spring gap: every two seconds jumps from 01:59:58 to 03:00      | Europe/Berlin       | */2 * * * * *    | 2026-03-29T01:59:57+01:00 | 2026-03-29T01:59:58+01:00, 2026-03-29T03:00:00+02:00, 2026-03-29T03:00:02+02:00
# Europe/Berlin 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z); 02:00-02:59 occur twice.
fall overlap: 02:30 fires once, at its first occurrence         | Europe/Berlin       | 30 2 * * *       | 2026-10-24T12:00+02:00    | 2026-10-25T02:30+02:00, 2026-10-26T02:30+01:00
fall overlap: hourly does not fire at the repeated 02:00 CET    | Europe/Berlin       | 0 * * * *        | 2026-10-25T00:30+02:00    | 2026-10-25T01:00+02:00, 2026-10-25T02:00+02:00, 2026-10-25T03:00+01:00, 2026-10-25T04:00+01:00
fall overlap: quarter hours fire in the first occurrence only   | Europe/Berlin       | */15 * * * *     | 2026-10-25T02:30+02:00    | 2026-10-25T02:45+02:00, 2026-10-25T03:00+01:00, 2026-10-25T03:15+01:00
fall overlap: asked inside the repeat, the next is after it     | Europe/Berlin       | */15 * * * *     | 2026-10-25T02:10+01:00    | 2026-10-25T03:00+01:00
fall overlap: asked at the repeat's start, 02:30 is tomorrow    | Europe/Berlin       | 30 2 * * *       | 2026-10-25T02:00+01:00    | 2026-10-26T02:30+01:00
fall overlap: every two seconds goes from 02:59:58 to 03:00 CET | Europe/Berlin       | */2 * * * * *    | 2026-10-25T02:59:57+02:00 | 2026-10-25T02:59:58+02:00, 2026-10-25T03:00:00+01:00
# America/Sao_Paulo 2018: 2018-02-18 00:00 -02 fell back to 17 Feb 23:00 -03; 2018-11-04 00:00 -03 jumped to 01:00 -02.
midnight gap: 00:00 fires at 01:00 -02 and keeps its day        | America/Sao_Paulo   | 0 0 * * *        | 2018-11-02T12:00-03:00    | 2018-11-03T00:00-03:00, 2018-11-04T01:00-02:00, 2018-11-05T00:00-02:00
midnight overlap: 23:30 on 17 Feb fires once, at -02            | America/Sao_Paulo   | 30 23 * * *      | 2018-02-16T12:00-02:00    | 2018-02-16T23:30-02:00, 2018-02-17T23:30-02:00, 2018-02-18T23:30-03:00
# Africa/Cairo 2023: 28 Apr 00:00 +02 jumped to 01:00 +03; 27 Oct 00:00 +03 fell back to 26 Oct 23:00 +02.
midnight gap: every two hours keeps the change day              | Africa/Cairo        | 0 */2 * * *      | 2023-04-27T21:00+02:00    | 2023-04-27T22:00+02:00, 2023-04-28T01:00+03:00, 2023-04-28T02:00+03:00, 2023-04-28T04:00+03:00
midnight gap: 00:00, 00:30 and 01:00 fire once at 01:00 +03     | Africa/Cairo        | 0,30 0-1 * * *   | 2023-04-27T23:00+02:00    | 2023-04-28T01:00+03:00, 2023-04-28T01:30+03:00, 2023-04-29T00:00+03:00
midnight overlap: 23:30 on 26 Oct fires once, at +03            | Africa/Cairo        | 30 23 * * *      | 2023-10-26T12:00+03:00    | 2023-10-26T23:30+03:00, 2023-10-27T23:30+02:00
# Australia/Lord_Howe 2026: 5 Apr 02:00 +11 falls back to 01:30 +10:30; 4 Oct 02:00 +10:30 jumps to 02:30 +11.
half-hour gap: 02:15 fires at 02:30 +11                         | Australia/Lord_Howe | 15 2 * * *       | 2026-10-03T12:00+10:30    | 2026-10-04T02:30+11:00, 2026-10-05T02:15+11:00
half-hour gap: ten-minute steps in the gap collapse             | Australia/Lord_Howe | */10 * * * *     | 2026-10-04T01:45+10:30    | 2026-10-04T01:50+10:30, 2026-10-04T02:30+11:00, 2026-10-04T02:40+11:00
half-hour overlap: 01:40 fires once, at +11                     | Australia/Lord_Howe | */20 1 * * *     | 2026-04-05T01:00+11:00    | 2026-04-05T01:20+11:00, 2026-04-05T01:40+11:00, 2026-04-06T01:00+10:30
# Pacific/Apia skipped 30 Dec 2011: 29 Dec 24:00 -10 was 31 Dec 00:00 +14.
a skipped day: its noon fires when the next day begins          | Pacific/Apia        | 0 12 * * *       | 2011-12-29T00:00-10:00    | 2011-12-29T12:00-10:00, 2011-12-31T00:00+14:00, 2011-12-31T12:00+14:00
# The calendar.
29 February: leap years only                                    | UTC                 | 0 0 29 2 *       | 2026-01-01T00:00Z         | 2028-02-29T00:00Z, 2032-02-29T00:00Z, 2036-02-29T00:00Z
29 February: 2100 is not a leap year                            | UTC                 | 0 0 29 2 *       | 2096-03-01T00:00Z         | 2104-02-29T00:00Z
the 31st: the seven months of 2026 that have one                | UTC                 | 0 0 31 * *       | 2026-01-01T00:00Z         | 2026-01-31T00:00Z, 2026-03-31T00:00Z, 2026-05-31T00:00Z, 2026-07-31T00:00Z, 2026-08-31T00:00Z, 2026-10-31T00:00Z, 2026-12-31T00:00Z, 2027-01-31T00:00Z
the 30th: February has none                                     | UTC                 | 0 0 30 * *       | 2026-01-15T00:00Z         | 2026-01-30T00:00Z, 2026-03-30T00:00Z, 2026-04-30T00:00Z
the 29th: none in February of a common year                     | UTC                 | 0 0 29 * *       | 2027-01-30T00:00Z         | 2027-03-29T00:00Z, 2027-04-29T00:00Z
last days of February: 28th, and 29th when there is one         | UTC                 | 0 0 28-31 2 *    | 2026-01-01T00:00Z         | 2026-02-28T00:00Z, 2027-02-28T00:00Z, 2028-02-28T00:00Z, 2028-02-29T00:00Z, 2029-02-28T00:00Z
# Six fields, steps, names, macros.
every two seconds across a minute                               | UTC                 | */2 * * * * *    | 2026-05-05T10:00:57.5Z    | 2026-05-05T10:00:58Z, 2026-05-05T10:01:00Z, 2026-05-05T10:01:02Z
a fire is strictly after the instant asked                      | UTC                 | 0 3 * * *        | 2026-05-05T03:00:00Z      | 2026-05-06T03:00:00Z
a range with a step                                             | UTC                 | 0 1-10/3 * * *   | 2026-06-01T00:00Z         | 2026-06-01T01:00Z, 2026-06-01T04:00Z, 2026-06-01T07:00Z, 2026-06-01T10:00Z, 2026-06-02T01:00Z
a start with a step runs to the maximum                         | UTC                 | 5/20 * * * *     | 2026-06-01T00:00Z         | 2026-06-01T00:05Z, 2026-06-01T00:25Z, 2026-06-01T00:45Z, 2026-06-01T01:05Z
a day-of-week start with a step ends on Saturday                | UTC                 | 0 0 * * MON/2    | 2026-06-01T00:00Z         | 2026-06-03T00:00Z, 2026-06-05T00:00Z, 2026-06-08T00:00Z
names in any case                                               | UTC                 | 0 9 * jan,Jul mon-FRI | 2026-06-30T12:00Z    | 2026-07-01T09:00Z, 2026-07-02T09:00Z, 2026-07-03T09:00Z, 2026-07-06T09:00Z
day-of-week 7 is Sunday                                         | UTC                 | 0 0 * * 5-7      | 2026-06-01T00:00Z         | 2026-06-05T00:00Z, 2026-06-06T00:00Z, 2026-06-07T00:00Z, 2026-06-12T00:00Z
FRI-SUN wraps to Sunday                                         | UTC                 | 0 0 * * FRI-SUN  | 2026-06-01T00:00Z         | 2026-06-05T00:00Z, 2026-06-06T00:00Z, 2026-06-07T00:00Z, 2026-06-12T00:00Z
@yearly                                                         | UTC                 | @yearly          | 2026-06-01T10:00Z         | 2027-01-01T00:00Z
@annually                                                       | UTC                 | @annually        | 2026-06-01T10:00Z         | 2027-01-01T00:00Z
@monthly                                                        | UTC                 | @monthly         | 2026-06-01T10:00Z         | 2026-07-01T00:00Z
@weekly fires on Sundays                                        | UTC                 | @weekly          | 2026-06-01T10:00Z         | 2026-06-07T00:00Z, 2026-06-14T00:00Z
@daily                                                          | UTC                 | @daily           | 2026-06-01T10:00Z         | 2026-06-02T00:00Z
@midnight                                                       | UTC                 | @midnight        | 2026-06-01T10:00Z         | 2026-06-02T00:00Z
@hourly                                                         | UTC                 | @hourly          | 2026-06-01T10:00Z         | 2026-06-01T11:00Z
@daily in a zone: midnight there                                | Europe/Berlin       | @daily           | 2026-06-01T10:00Z         | 2026-06-02T00:00+02:00
# Day-of-month and day-of-week: either matches when both are restricted.
both day fields: the 14th (a Sunday) or a Monday                | UTC                 | 0 0 14 * MON     | 2026-06-10T00:00Z         | 2026-06-14T00:00Z, 2026-06-15T00:00Z, 2026-06-22T00:00Z
both day fields: 1-7 or Monday is not the first Monday          | UTC                 | 0 0 1-7 * MON    | 2026-06-05T00:00Z         | 2026-06-06T00:00Z, 2026-06-07T00:00Z, 2026-06-08T00:00Z, 2026-06-15T00:00Z
day-of-month with day-of-week *: the 14th only                  | UTC                 | 0 0 14 * *       | 2026-06-10T00:00Z         | 2026-06-14T00:00Z, 2026-07-14T00:00Z
day-of-week with day-of-month ?: Mondays only                   | UTC                 | 0 0 0 ? * MON    | 2026-06-10T00:00Z         | 2026-06-15T00:00Z, 2026-06-22T00:00Z
""")
  void firesAtTheExpectedInstants(
      String rule, String zone, String expression, String after, String expected) {
    CronSchedule schedule = CronSchedule.parse(expression, ZoneId.of(zone));
    List<String> fires =
        Arrays.stream(expected.split(","))
            .map(fire -> OffsetDateTime.parse(fire.trim()).toString())
            .collect(Collectors.toList());

    List<Instant> actual =
        schedule.nextFires(OffsetDateTime.parse(after).toInstant(), fires.size());

    assertThat(actual.stream().map(fire -> inZone(fire, schedule.zone())))
        .as("%s from %s", schedule, after)
        .containsExactlyElementsOf(fires);
  }

  @Test
  void anExpressionCanBeReadInSeveralZones() {
    CronExpression nightly = CronExpression.parse("0 3 * * *");
    Instant after = Instant.parse("2026-06-01T00:00:00Z");

    assertThat(CronSchedule.of(nightly, ZoneId.of("Europe/Berlin")).nextFireAfter(after))
        .isEqualTo("2026-06-01T01:00:00Z");
    assertThat(CronSchedule.of(nightly, ZoneOffset.UTC).nextFireAfter(after))
        .isEqualTo("2026-06-01T03:00:00Z");
    assertThat(CronSchedule.of(nightly, ZoneId.of("America/New_York")).nextFireAfter(after))
        .isEqualTo("2026-06-01T07:00:00Z");
  }

  @Test
  void nextFiresOfNoneIsEmptyAndANegativeCountIsRefused() {
    CronSchedule schedule = CronSchedule.parse("@hourly", ZoneOffset.UTC);

    assertThat(schedule.nextFires(Instant.EPOCH, 0)).isEmpty();
    assertThatThrownBy(() -> schedule.nextFires(Instant.EPOCH, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must not be negative: -1");
  }

  @Test
  void showsItsExpressionAndZoneAndComparesByBoth() {
    CronSchedule schedule = CronSchedule.parse("0  3 * * *", ZoneId.of("Europe/Berlin"));

    assertThat(schedule).hasToString("0 3 * * * (Europe/Berlin)");
    assertThat(schedule)
        .isEqualTo(CronSchedule.parse("0 0 3 * * ?", ZoneId.of("Europe/Berlin")))
        .hasSameHashCodeAs(CronSchedule.parse("0 0 3 * * ?", ZoneId.of("Europe/Berlin")))
        .isNotEqualTo(CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Paris")));
    assertThat(schedule.period()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aFireBeyondJavaTimesRangeIsAnExceptionNotALoop() {
    CronSchedule newYear = CronSchedule.parse("@yearly", ZoneOffset.UTC);

    assertThatThrownBy(
            () -> newYear.nextFireAfter(LocalDateTime.MAX.minusDays(1).toInstant(ZoneOffset.UTC)))
        .isInstanceOf(DateTimeException.class);
    assertThatThrownBy(() -> newYear.nextFireAfter(Instant.MAX))
        .isInstanceOf(DateTimeException.class);
  }

  @Test
  void refusesNulls() {
    assertThatThrownBy(() -> CronSchedule.of(null, ZoneOffset.UTC))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("expression");
    assertThatThrownBy(() -> CronSchedule.parse("@daily", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("zone");
  }

  private static String inZone(Instant instant, ZoneId zone) {
    return OffsetDateTime.ofInstant(instant, zone).toString();
  }
}
