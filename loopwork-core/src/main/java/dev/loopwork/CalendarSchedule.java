package dev.loopwork;

import java.time.Duration;
import java.time.Instant;

/**
 * When a calendar service runs: a sequence of wall-clock instants ("fires"), as a cron expression
 * in a time zone gives them ({@code dev.loopwork.cron.CronSchedule} in loopwork-cron). Set one with
 * {@link LoopOptions.Builder#schedule}, instead of a loop interval:
 *
 * <pre>{@code
 * LoopOptions nightly = LoopOptions.builder()
 *     .schedule(CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin")))
 *     .build();
 * }</pre>
 *
 * <p>The engine runs one iteration per fire, at the fire's wall-clock instant, and follows the
 * rules of {@link LoopOptions.Builder#schedule} for wall-clock steps, missed fires and overruns.
 *
 * <p>Implementations are immutable and thread-safe, and answer quickly (the engine calls them on
 * the service's loop thread, a few times per fire).
 */
public interface CalendarSchedule {

  /**
   * Returns the first fire strictly after {@code instant}, or {@code null} if the schedule never
   * fires after it (then a run of the service ends once its last fire has run). The answers of
   * successive calls grow: a fire returned for {@code t} is after every fire at or before {@code
   * t}.
   *
   * @throws NullPointerException if {@code instant} is null
   */
  Instant nextFireAfter(Instant instant);

  /**
   * Returns one period of the schedule, positive: the shortest gap between two consecutive fires.
   * It is the default {@linkplain LoopOptions.Builder#misfireGrace misfire grace}, and stands for
   * the interval where one is asked for (the coordinator's {@code join}, the longest wait of {@code
   * stop(true)}).
   */
  Duration period();

  /**
   * Returns what the schedule is, for logs and reports, such as {@code 0 3 * * * (Europe/Berlin)};
   * by default {@link Object#toString()}.
   */
  default String description() {
    return toString();
  }
}
