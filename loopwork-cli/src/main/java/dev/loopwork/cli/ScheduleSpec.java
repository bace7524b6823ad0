package dev.loopwork.cli;

import dev.loopwork.LoopOptions;
import dev.loopwork.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a service of the configuration runs: every {@code interval} from each start, or at the fires
 * of a {@code cron} expression in a zone. Immutable.
 */
sealed interface ScheduleSpec {

  /** Sets this schedule on {@code options}. */
  void applyTo(LoopOptions.Builder options);

  /** The interval, or one period of the cron expression: the shortest time between two starts. */
  Duration period();

  /**
   * When the iteration after one that started at {@code start} is due: one interval later, or the
   * expression's next fire after it.
   */
  Instant nextAfter(Instant start);

  /** The schedule in words, as {@code check}, {@code services ls} and the dashboard show it. */
  String text();

  /** The cron expression, or null for an interval. */
  default String cron() {
    return null;
  }

  /** The cron expression's zone id, or null for an interval. */
  default String zone() {
    return null;
  }

  /** An iteration every {@code interval}, counted from each start. */
  record Interval(Duration interval) implements ScheduleSpec {
    @Override
    public void applyTo(LoopOptions.Builder options) {
      options.loopInterval(interval);
    }

    @Override
    public Duration period() {
      return interval;
    }

    @Override
    public Instant nextAfter(Instant start) {
      return start.plus(interval);
    }

    @Override
    public String text() {
      return "every " + DurationText.format(interval);
    }
  }

  /**
   * An iteration at each fire of {@code schedule}.
   *
   * @param schedule the expression in its zone
   * @param zoneGiven whether the file (or the environment) named the zone; else it is the JVM's
   *     default zone
   * @param misfireGrace how late a missed fire may still run; empty for one period
   */
  record Cron(CronSchedule schedule, boolean zoneGiven, Optional<Duration> misfireGrace)
      implements ScheduleSpec {
    @Override
    public void applyTo(LoopOptions.Builder options) {
      options.schedule(schedule).misfireGrace(misfireGrace.orElse(null));
    }

    @Override
    public Duration period() {
      return schedule.period();
    }

    @Override
    public Instant nextAfter(Instant start) {
      return schedule.nextFireAfter(start);
    }

    @Override
    public String text() {
      return text(cron(), zone());
    }

    @Override
    public String cron() {
      return schedule.expression().toString();
    }

    @Override
    public String zone() {
      return schedule.zone().getId();
    }

    /** How a cron expression in a zone is shown: {@code cron 0 3 * * * (Europe/Berlin)}. */
    static String text(String cron, String zone) {
      return "cron " + cron + " (" + zone + ")";
    }
  }
}
