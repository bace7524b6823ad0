/**
 * Cron expressions with a time zone: {@link dev.loopwork.cron.CronExpression} parses them and
 * {@link dev.loopwork.cron.CronSchedule} computes their fire times, with exact daylight-saving
 * rules. {@code CronSchedule} is a {@link dev.loopwork.CalendarSchedule} of loopwork-core, which is
 * all it depends on besides the JDK.
 */
module dev.loopwork.cron {
  requires transitive dev.loopwork.core;

  exports dev.loopwork.cron;
}
