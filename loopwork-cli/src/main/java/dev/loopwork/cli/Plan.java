package dev.loopwork.cli;

import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The plan that {@code loopwork check} prints: what {@code run} would do with a configuration.
 * Never shows secrets.
 */
final class Plan {
  private static final int SQL_SHOWN = 70;

  /** How many of a cron service's next fires the plan shows. */
  static final int FIRES_SHOWN = 3;

  private static final String SERVICE_LINE = "  %-24s %-8s %-12s %-13s %s%n";
  private static final DateTimeFormatter IN_ZONE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx");
  private static final DateTimeFormatter IN_UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private Plan() {}

  /**
   * The plan of {@code config}, several lines; a cron service's next fires are those after {@code
   * now}.
   */
  static String of(HostConfig config, Instant now) {
    StringBuilder out = new StringBuilder();
    out.append("Configuration ").append(config.source()).append(" is valid.\n");
    out.append("Database: ").append(config.database().describe()).append('\n');
    out.append("Replica:  ")
        .append(config.replica().orElse("(host name and process id)"))
        .append('\n');
    HostConfig.AdminSettings admin = config.admin();
    out.append("Admin:    ")
        .append(
            admin.enabled()
                ? "http://"
                    + admin.bind()
                    + ":"
                    + admin.port()
                    + "/"
                    + admin
                        .token()
                        .map(t -> ", token " + t.describe())
                        .orElse(", no token (POST requests are refused)")
                : "disabled")
        .append('\n');
    out.append("Plugins:  ").append(config.plugins()).append('\n');
    out.append("Tracing:  ")
        .append(
            config
                .tracingEndpoint()
                .map(endpoint -> "a span of every iteration to " + HostTracing.shown(endpoint))
                .orElse("off"))
        .append('\n');
    long enabled = config.services().stream().filter(ServiceSpec::enabled).count();
    out.append("Services: ")
        .append(config.services().size())
        .append(" configured, ")
        .append(enabled)
        .append(" enabled\n");
    for (ServiceSpec s : config.services()) {
      out.append(
          String.format(
              SERVICE_LINE,
              s.name(),
              s.enabled() ? "enabled" : "disabled",
              s.schedule().text(),
              s.coordination().text(),
              what(s)));
      if (s.schedule() instanceof ScheduleSpec.Cron cron) {
        fires(cron, now, out);
      }
    }
    out.append(
        String.format(
            SERVICE_LINE,
            Host.PRUNER,
            "built-in",
            new ScheduleSpec.Interval(JdbcLoopRuntime.DEFAULT_PRUNE_INTERVAL).text(),
            "exclusive",
            "deletes run journal entries older than "
                + DurationText.format(JdbcLoopRuntime.DEFAULT_JOURNAL_RETENTION)));
    return out.toString();
  }

  /**
   * The zone (and whether it is the JVM's default), the misfire grace and the next {@value
   * #FIRES_SHOWN} fires of {@code cron} after {@code now}, in its zone and in UTC.
   */
  private static void fires(ScheduleSpec.Cron cron, Instant now, StringBuilder out) {
    out.append("      zone ")
        .append(cron.zone())
        .append(cron.zoneGiven() ? "" : " (not set: the JVM's default zone)")
        .append(", misfire grace ")
        .append(
            cron.misfireGrace()
                .map(
                    g -> DurationText.format(g) + (g.isZero() ? " (missed fires are skipped)" : ""))
                .orElseGet(
                    () -> DurationText.format(cron.period()) + " (one period of the expression)"))
        .append('\n');
    ZoneId zone = cron.schedule().zone();
    for (Instant fire : cron.schedule().nextFires(now, FIRES_SHOWN)) {
      out.append("      next fire ")
          .append(IN_ZONE.format(fire.atZone(zone)))
          .append(" ")
          .append(zone.getId())
          .append(" = ")
          .append(IN_UTC.format(fire))
          .append('\n');
    }
  }

  private static String what(ServiceSpec s) {
    StringBuilder what = new StringBuilder();
    if (s.kind() == Kind.CLASS) {
      what.append("class ").append(s.className().orElse("?"));
    } else {
      String sql = String.join("; ", s.sql()).replaceAll("\\s+", " ");
      what.append("sql ")
          .append(sql.length() > SQL_SHOWN ? sql.substring(0, SQL_SHOWN - 3) + "..." : sql);
      s.repeatWhileRows()
          .ifPresent(n -> what.append(" (repeated while ").append(n).append(" rows)"));
      what.append(", statement timeout ").append(DurationText.format(s.statementTimeout()));
    }
    s.timeout().ifPresent(t -> what.append(", timeout ").append(DurationText.format(t)));
    return what.toString();
  }
}
