package dev.loopwork.spring.boot;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.cron.CronSchedule;
import dev.loopwork.spring.boot.LoopworkProperties.Service;
import java.time.Duration;
import java.time.ZoneId;

/**
 * The options a service bean runs with under Spring: no signal handling of its own (Spring owns
 * SIGTERM and closes the context, which stops the services), plus the interval or cron expression
 * and the timeout from {@code loopwork.services.<name>.*}. Given to the engine with {@code
 * LoopEngine.Builder.options}, so the service objects themselves are never changed.
 *
 * <p>The schedule properties replace the service's own schedule: with {@code interval} the service
 * runs on that interval (a cron expression of its own is dropped), with {@code cron} at that
 * expression's fires (its own interval, initial delay and back-off, which belong to an interval,
 * are dropped); {@code zone} alone re-reads the service's own cron expression in that zone; {@code
 * misfire-grace} replaces the grace of the service's cron schedule (its own or the property's).
 */
final class ServiceOptionsOverride {
  private final LoopworkProperties properties;

  ServiceOptionsOverride(LoopworkProperties properties) {
    this.properties = properties;
  }

  /**
   * The options {@code service} runs with.
   *
   * @throws LoopworkConfigurationException if its {@code loopwork.services.<name>.*} properties set
   *     both interval and cron, a zone or misfire grace without a cron expression, or a cron
   *     expression or zone that cannot be read
   */
  LoopOptions optionsOf(LoopService service) {
    LoopOptions.Builder options = service.options().toBuilder().handleSignals(false);
    properties
        .service(service.name())
        .ifPresent(
            settings -> {
              String prefix = "loopwork.services." + service.name() + ".";
              try {
                overrideSchedule(service, settings, prefix, options);
              } catch (IllegalArgumentException e) {
                throw new LoopworkConfigurationException(e.getMessage(), e);
              }
              if (settings.getTimeout() != null) {
                options.iterationTimeout(settings.getTimeout());
              }
            });
    return options.build();
  }

  private static void overrideSchedule(
      LoopService service, Service settings, String prefix, LoopOptions.Builder options) {
    Duration interval = settings.getInterval();
    String cron = blankToNull(settings.getCron());
    String zone = blankToNull(settings.getZone());
    if (interval != null && cron != null) {
      throw new IllegalArgumentException(
          prefix
              + "interval and "
              + prefix
              + "cron are both set ("
              + interval
              + ", \""
              + cron
              + "\"); set one of them");
    }
    CronSchedule own =
        service.options().schedule().orElse(null) instanceof CronSchedule schedule
            ? schedule
            : null;
    if (zone != null && (interval != null || (cron == null && own == null))) {
      throw onlyWithCron(prefix, "zone \"" + zone + "\"", interval);
    }
    Duration misfireGrace = settings.getMisfireGrace();
    if (misfireGrace != null) {
      if (interval != null || (cron == null && service.options().schedule().isEmpty())) {
        throw onlyWithCron(prefix, "misfire-grace " + misfireGrace, interval);
      }
      options.misfireGrace(misfireGrace);
    }
    if (interval != null) {
      options.schedule(null).misfireGrace(null).loopInterval(interval);
      return;
    }
    if (cron == null && zone == null) {
      return;
    }
    ZoneId zoneId =
        zone != null
            ? CronSettings.zone(zone, prefix + "zone \"" + zone + "\"")
            : own != null ? own.zone() : ZoneId.systemDefault();
    options.schedule(
        cron != null
            ? CronSettings.schedule(cron, zoneId, prefix + "cron \"" + cron + "\"")
            : CronSchedule.of(own.expression(), zoneId));
    if (cron != null) {
      options.loopInterval(null).initialDelay(Duration.ZERO).noBackoff();
    }
  }

  /**
   * The error for the property {@code setting} (name and value) of a service that runs on {@code
   * interval} (a property) or, if that is null, on no cron expression at all.
   */
  private static IllegalArgumentException onlyWithCron(
      String prefix, String setting, Duration interval) {
    return new IllegalArgumentException(
        prefix
            + setting
            + " applies to a cron expression, "
            + (interval != null
                ? "not to " + prefix + "interval"
                : "and the service has none; set " + prefix + "cron too"));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
