package dev.loopwork.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing: what is accepted, what is refused and how the refusal names the field. */
class CronExpressionTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
"""
# expression          | field at fault | message
""                    |                | expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first) but found 0 in ''
* * * *               |                | expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first) but found 4 in '* * * *'
0 0 0 1 1 ? 2026      |                | expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first) but found 7 in '0 0 0 1 1 ? 2026'
@reboot               |                | unknown macro '@reboot': expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly
61 * * * * *          | second         | second field '61': value 61 is out of range 0-59 in '61 * * * * *'
60 * * * *            | minute         | minute field '60': value 60 is out of range 0-59 in '60 * * * *'
* 24 * * *            | hour           | hour field '24': value 24 is out of range 0-23 in '* 24 * * *'
0 0 32 * *            | day-of-month   | day-of-month field '32': value 32 is out of range 1-31 in '0 0 32 * *'
0 0 0 * *             | day-of-month   | day-of-month field '0': value 0 is out of range 1-31 in '0 0 0 * *'
0 0 1 13 *            | month          | month field '13': value 13 is out of range 1-12 in '0 0 1 13 *'
0 0 * * 8             | day-of-week    | day-of-week field '8': value 8 is out of range 0-7 in '0 0 * * 8'
0 0 * FOO *           | month          | month field 'FOO': 'FOO' is not a number or a name in '0 0 * FOO *'
0 0 * * MON#2         | day-of-week    | day-of-week field 'MON#2': 'MON#2' is not a number or a name in '0 0 * * MON#2'
0 0 L * *             | day-of-month   | day-of-month field 'L': 'L' is not a number in '0 0 L * *'
0 0 15W * *           | day-of-month   | day-of-month field '15W': '15W' is not a number in '0 0 15W * *'
*/0 * * * *           | minute         | minute field '*/0': step must be at least 1 in '*/0 * * * *'
0 0 * * 1/x           | day-of-week    | day-of-week field '1/x': 'x' is not a number (the step) in '0 0 * * 1/x'
5-1 * * * *           | minute         | minute field '5-1': range start 5 is after its end 1 in '5-1 * * * *'
-1 * * * *            | minute         | minute field '-1': '' is not a number in '-1 * * * *'
1,,2 * * * *          | minute         | minute field '1,,2': empty element in the list in '1,,2 * * * *'
0 ? * * *             | hour           | hour field '?': '?' is allowed only in day-of-month and day-of-week in '0 ? * * *'
0 0 30 2 *            | day-of-month   | day-of-month field '30' and month field '2' match no date: the expression never fires in '0 0 30 2 *'
0 0 31 4,6,9,11 *     | day-of-month   | day-of-month field '31' and month field '4,6,9,11' match no date: the expression never fires in '0 0 31 4,6,9,11 *'
0 0 0 31 FEB ?        | day-of-month   | day-of-month field '31' and month field 'FEB' match no date: the expression never fires in '0 0 0 31 FEB ?'
""")
  void refusesABadExpressionNamingTheFieldAtFault(String expression, String field, String message) {
    InvalidCronExpressionException refused =
        catchThrowableOfType(
            InvalidCronExpressionException.class, () -> CronExpression.parse(expression));

    assertThat(refused).as(expression).isNotNull().hasMessage(message);
    assertThat(refused.field()).as(expression).isEqualTo(java.util.Optional.ofNullable(field));
    assertThat(refused.expression()).isEqualTo(expression);
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> CronExpression.parse(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("expression");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
"""
# the 29th of February can fire, every four years (or eight across 2100)
0 0 29 2 *
# the 31st of any month, with a month that has one
0 0 31 2,3 *
# both day fields restricted: Mondays in February, whatever day-of-month says
0 0 30 2 MON
""")
  void acceptsAnExpressionThatFiresSometimes(String expression) {
    assertThat(CronExpression.parse(expression)).hasToString(expression);
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
"""
* * * * * *           | PT1S
*/2 * * * * *         | PT2S
0,59 0,59 0,23 * * *  | PT1S
* * * * *             | PT1M
*/15 * * * *          | PT15M
0 9-17 * * *          | PT1H
0 3 * * *             | PT24H
0 9 * * MON-FRI       | PT24H
0 0 * * SUN           | PT168H
@monthly              | PT672H
0 0 31 * *            | PT744H
@yearly               | PT8760H
0 0 29 2 *            | PT35064H
""")
  void periodIsTheShortestWallClockGapBetweenFires(String expression, Duration period) {
    assertThat(CronExpression.parse(expression).period()).isEqualTo(period);
  }

  @Test
  void equalExpressionsAreThoseThatParseToTheSameFields() {
    CronExpression weekly = CronExpression.parse("@weekly");

    assertThat(weekly)
        .isEqualTo(CronExpression.parse("0 0 * * 0"))
        .isEqualTo(CronExpression.parse("0 0 * * 7"))
        .isEqualTo(CronExpression.parse("0 0 * * sun"))
        .isEqualTo(CronExpression.parse("0 0 0 ? * SUN"))
        .hasSameHashCodeAs(CronExpression.parse("0 0 * * 7"))
        .isNotEqualTo(CronExpression.parse("0 0 * * 1"));
    // The day rule is part of the meaning: "1-31 and Monday" is every day, "* and Monday" Mondays.
    assertThat(CronExpression.parse("0 0 1-31 * MON"))
        .isNotEqualTo(CronExpression.parse("0 0 * * MON"));
  }

  @Test
  void showsTheExpressionWithSingleSpacesOrTheMacro() {
    assertThat(CronExpression.parse("  0   3 *\t* *  ")).hasToString("0 3 * * *");
    assertThat(CronExpression.parse("@Daily")).hasToString("@daily");
  }
}
