package dev.loopwork.spring.boot;

import dev.loopwork.cron.CronSchedule;
import dev.loopwork.cron.InvalidCronExpressionException;
import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Reads a cron expression and a time zone as a {@link LoopTask} or the {@code
 * loopwork.services.<name>.*} properties write them, into the schedule a service runs at, with the
 * messages both report: the caller names where the values were written.
 */
final class CronSettings {
  private CronSettings() {}

  /**
   * The zone written {@code zone}: an IANA id such as {@code Europe/Berlin} (or any other id {@link
   * ZoneId#of} reads).
   *
   * @param shown how the message names the value, e.g. {@code zone "Mars/Base"}
   * @throws IllegalArgumentException naming {@code shown} if it is no zone
   */
  static ZoneId zone(String zone, String shown) {
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          shown
              + " is not a time zone id (write an IANA id such as Europe/Berlin): "
              + e.getMessage());
    }
  }

  /**
   * The schedule of {@code cron} in {@code zone}.
   *
   * @param shown how the message names the expression, e.g. {@code cron "0 0 32 * *"}
   * @throws IllegalArgumentException naming {@code shown} and, as the parser does, the field at
   *     fault, if the expression is malformed or never fires
   */
  static CronSchedule schedule(String cron, ZoneId zone, String shown) {
    try {
      return CronSchedule.parse(cron, zone);
    } catch (InvalidCronExpressionException e) {
      throw new IllegalArgumentException(
          shown + " is not a valid cron expression: " + e.getMessage(), e);
    }
  }
}
