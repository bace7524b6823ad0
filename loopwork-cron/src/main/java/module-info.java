/**
 * Cron expressions with a time zone: {@link dev.loopwork.cron.CronExpression} parses them and
 * {@link dev.loopwork.cron.CronSchedule} computes their fire times, with exact daylight-saving
 * rules. Depends on the JDK only.
 */
module dev.loopwork.cron {
  exports dev.loopwork.cron;
}
