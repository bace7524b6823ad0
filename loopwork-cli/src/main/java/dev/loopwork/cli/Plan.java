package dev.loopwork.cli;

import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.JdbcLoopRuntime;

/**
 * The plan that {@code loopwork check} prints: what {@code run} would do with a configuration.
 * Never shows secrets.
 */
final class Plan {
  private static final int SQL_SHOWN = 70;

  private Plan() {}

  /** The plan of {@code config}, several lines. */
  static String of(HostConfig config) {
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
              "  %-24s %-8s every %-6s %-13s %s%n",
              s.name(),
              s.enabled() ? "enabled" : "disabled",
              DurationText.format(s.interval()),
              s.coordination().text(),
              what(s)));
    }
    out.append(
        String.format(
            "  %-24s %-8s every %-6s %-13s %s%n",
            Host.PRUNER,
            "built-in",
            DurationText.format(JdbcLoopRuntime.DEFAULT_PRUNE_INTERVAL),
            "exclusive",
            "deletes run journal entries older than "
                + DurationText.format(JdbcLoopRuntime.DEFAULT_JOURNAL_RETENTION)));
    return out.toString();
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
