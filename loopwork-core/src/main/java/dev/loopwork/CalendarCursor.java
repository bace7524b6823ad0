package dev.loopwork;

import dev.loopwork.internal.DurationFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one run of a calendar service stands in its {@link CalendarSchedule}: the next fire to run,
 * and what to do when the loop wakes up. It reads only the instants it is given (never a clock), so
 * its rules are tested without threads; {@link LoopRun} keeps the lifecycle and the waiting.
 * Confined to the run's tasks, which run one after another, so it needs no lock.
 */
final class CalendarCursor {
  /** {@link #check}: the fire is due, run the iteration now. */
  static final long RUN = 0;

  /** {@link #check}: the schedule has no fire left, the run ends. */
  static final long END = -1;

  /** The longest single wait, so that a forward step of the wall clock is noticed within it. */
  static final long MAX_WAIT_NANOS = Duration.ofMinutes(1).toNanos();

  /** How late a fire may start and still be on time, whatever the misfire grace (plus jitter). */
  static final Duration ON_TIME = Duration.ofSeconds(1);

  /** How many fire times a WARN names; more are summed up. */
  private static final int MAX_NAMED = 10;

  /**
   * How many missed fires are counted one by one before the count jumps to the last two periods,
   * where at most two fires can lie: a year-long step of an every-second schedule takes no minutes.
   */
  private static final int MAX_COUNTED = 10_000;

  private final LoopService service;
  private final CalendarSchedule schedule;
  private final Duration grace;
  private final Duration onTime;
  // The next fire to run; null when the schedule has no fire left.
  private Instant fire;
  // Whether an iteration ran past that fire: it runs at once, whatever the grace.
  private boolean overdue;
  // The latest fire that check found come: the one its RUN stands for; null before the first.
  private Instant current;

  CalendarCursor(
      LoopService service, CalendarSchedule schedule, Duration misfireGrace, long jitterNanos) {
    this.service = service;
    this.schedule = schedule;
    this.grace = misfireGrace != null ? misfireGrace : schedule.period();
    this.onTime = ON_TIME.plusNanos(jitterNanos);
  }

  /** Begins with the first fire strictly after {@code now}. */
  void start(Instant now) {
    fire = schedule.nextFireAfter(now);
    overdue = false;
  }

  /**
   * Goes on after {@code lastFire}, a fire that ran elsewhere (a new owner learns it from its
   * coordinator): the next fire is the first strictly after it. Fires from there to now are missed
   * fires for the next {@link #check}: the latest runs if it is within the grace, the others are
   * skipped with a WARN. A {@code lastFire} later than now makes the fires up to it wait.
   */
  void continueAfter(Instant lastFire) {
    fire = schedule.nextFireAfter(lastFire);
    overdue = false;
  }

  /**
   * The latest fire that {@link #check} found come, the one its {@link #RUN} stands for; null
   * before the first.
   */
  Instant current() {
    return current;
  }

  /** The next fire to run, or null when none is left. */
  Instant nextFire() {
    return fire;
  }

  /** The misfire grace in force: the options' or the schedule's period. */
  Duration grace() {
    return grace;
  }

  /**
   * How long to wait from {@code now} before checking again: the time left until the next fire, at
   * most {@link #MAX_WAIT_NANOS}; 0 when it is due or none is left (the check then says so).
   */
  long waitNanos(Instant now) {
    if (fire == null || overdue || !now.isBefore(fire)) {
      return 0;
    }
    Duration left = Duration.between(now, fire);
    return left.compareTo(Duration.ofNanos(MAX_WAIT_NANOS)) >= 0
        ? MAX_WAIT_NANOS
        : Math.max(1, left.toNanos());
  }

  /**
   * Before a due iteration, with the wall clock reading {@code now}: {@link #RUN} if the fire's
   * time has come (the fire is then used up, and the next one is the first after the latest fire at
   * or before {@code now}), {@link #END} if no fire is left, otherwise the nanoseconds to wait
   * before checking again (the wall clock went back, or a capped wait ended). Fires that the wall
   * clock passed while nothing ran are missed: the latest runs if it is within the grace, the
   * others are skipped, and one WARN names them.
   */
  long check(Instant now) {
    if (fire == null) {
      return END;
    }
    if (now.isBefore(fire)) {
      return waitNanos(now);
    }
    Passed passed = passedUntil(now);
    boolean wasOverdue = overdue;
    overdue = false;
    fire = passed.next;
    current = passed.latest;
    Duration late = Duration.between(passed.latest, now);
    if (wasOverdue || late.compareTo(onTime) <= 0) {
      if (passed.count > 0) {
        warn(
            "Loop service {} skipped {} of its schedule {}. It runs once now, for {}.",
            passed.names(),
            passed.latest);
      }
      return RUN;
    }
    if (late.compareTo(grace) <= 0) {
      if (passed.count == 0) {
        warn(
            "Loop service {} is late for the fire time {} of its schedule {}: the wall clock reads"
                + " {}. It runs once now, within its misfire grace of {}.",
            passed.latest,
            now,
            DurationFormat.seconds(grace));
      } else {
        warn(
            "Loop service {} skipped {} of its schedule {}; the wall clock reads {}. It runs once"
                + " now, for {}, which is within its misfire grace of {}.",
            passed.names(),
            now,
            passed.latest,
            DurationFormat.seconds(grace));
      }
      return RUN;
    }
    passed.add(passed.latest);
    warn(
        "Loop service {} skipped {} of its schedule {}; the wall clock reads {}, and the latest is"
            + " older than its misfire grace of {}. Next fire time: {}.",
        passed.names(),
        now,
        DurationFormat.seconds(grace),
        fire == null ? "none" : fire);
    return fire == null ? END : waitNanos(now);
  }

  /**
   * After an iteration that ended when the wall clock read {@code end}: if it ran past the next
   * fire, that fire (or the latest of those it ran past) runs at once, logs the overrun WARN and
   * returns {@code true}.
   */
  boolean iterationEnded(Instant end, Duration took) {
    if (fire == null || end.isBefore(fire)) {
      return false;
    }
    Instant first = fire;
    Passed passed = passedUntil(end);
    fire = passed.latest;
    overdue = true;
    if (passed.count == 0) {
      service
          .logger()
          .warn(
              "{} took {} to run, which is past its next fire time {} (schedule {}).",
              service.name(),
              DurationFormat.seconds(took),
              first,
              schedule.description());
    } else {
      service
          .logger()
          .warn(
              "{} took {} to run, which is past its next fire time {} (schedule {}); skipped {}."
                  + " It runs once now, for {}.",
              service.name(),
              DurationFormat.seconds(took),
              first,
              schedule.description(),
              passed.names(),
              passed.latest);
    }
    return true;
  }

  /**
   * Logs that the fire {@code deferred}, whose iteration a coordinator kept deferring until a later
   * fire came, is skipped: the iteration that runs now stands for the later one (never both).
   */
  void deferredFireSkipped(Instant deferred, Instant now) {
    warn(
        "Loop service {} skipped {} of its schedule {}: its coordinator deferred it until the next"
            + " fire came (the wall clock reads {}). It runs once now, for {}.",
        "1 fire time (" + deferred + ")",
        now,
        current);
  }

  /** Logs a WARN about missed fires: its first two arguments are the service and the schedule. */
  private void warn(String message, Object... details) {
    Object[] arguments = new Object[details.length + 2];
    arguments[0] = service.name();
    arguments[1] = details[0];
    arguments[2] = schedule.description();
    System.arraycopy(details, 1, arguments, 3, details.length - 1);
    service.logger().warn(message, arguments);
  }

  /** The fires from the current one to {@code now}: the latest, the others, and the one after. */
  private Passed passedUntil(Instant now) {
    Passed passed = new Passed();
    Instant latest = fire;
    Instant next = schedule.nextFireAfter(latest);
    while (next != null && !next.isAfter(now)) {
      passed.add(latest);
      latest = next;
      if (passed.count == MAX_COUNTED && !passed.uncounted) {
        // At most two fires lie in the last two periods before now: look from there, so that the
        // last skipped fire is found too.
        Instant from = now.minus(schedule.period().multipliedBy(2));
        if (from.isAfter(latest)) {
          Instant jump = schedule.nextFireAfter(from);
          if (jump != null && !jump.isAfter(now)) {
            passed.uncounted = true;
            passed.add(latest);
            latest = jump;
          }
        }
      }
      next = schedule.nextFireAfter(latest);
    }
    passed.latest = latest;
    passed.next = next;
    return passed;
  }

  /** Fires the wall clock passed; only the first few and the last are kept, for the WARN. */
  private static final class Passed {
    final List<Instant> named = new ArrayList<>();
    Instant last;
    long count;
    boolean uncounted;
    Instant latest;
    Instant next;

    void add(Instant skipped) {
      if (named.size() < MAX_NAMED - 1) {
        named.add(skipped);
      }
      last = skipped;
      count++;
    }

    /** Such as {@code 3 fire times (A, B, C)} or {@code 250 fire times (A, B, ..., Z)}. */
    String names() {
      StringBuilder text = new StringBuilder();
      text.append(uncounted ? "more than " + count : String.valueOf(count))
          .append(count == 1 ? " fire time (" : " fire times (");
      for (int i = 0; i < named.size(); i++) {
        text.append(i == 0 ? "" : ", ").append(named.get(i));
      }
      if (count > named.size()) {
        text.append(count > named.size() + 1 || uncounted ? ", ..., " : ", ").append(last);
      }
      return text.append(')').toString();
    }
  }
}
