package dev.loopwork.cron;

import java.util.Optional;

/**
 * A cron expression that cannot be parsed, or that parses but can never fire. The message names the
 * field at fault, its text and the whole expression, for example {@code "day-of-month field '32':
 * value 32 is out of range 1-31 in '0 0 32 * *'"}.
 *
 * <p>It is an {@link IllegalArgumentException}: a bad expression is a bad argument, like the other
 * argument checks of Loopwork's API.
 */
public final class InvalidCronExpressionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String expression;
  private final String field;

  InvalidCronExpressionException(String expression, String field, String message) {
    super(message);
    this.expression = expression;
    this.field = field;
  }

  /** Returns the expression as it was given to {@link CronExpression#parse(String)}. */
  public String expression() {
    return expression;
  }

  /**
   * Returns the name of the field at fault as the messages write it ({@code second}, {@code
   * minute}, {@code hour}, {@code day-of-month}, {@code month} or {@code day-of-week}), or empty
   * when the expression as a whole is wrong (blank, wrong number of fields, unknown macro).
   */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
