package dev.loopwork.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.Database;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loopwork services ...}: lists and steers the services of every replica, through the
 * database.
 */
@Command(
    name = "services",
    mixinStandardHelpOptions = true,
    description =
        "Lists and steers the services of every replica that shares the database. Changes are written "
            + "to the database; running replicas act on them within a second.",
    subcommands = ServicesCommand.Ls.class)
final class ServicesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing command: ls, pause, resume or run-once");
  }

  /** {@code services ls}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "A table of every service on the live replicas: enabled, paused, schedule (interval, or cron "
              + "expression and zone), owner replica, last start, last outcome and duration, next run (a cron "
              + "service's next fire), failures in a row.")
  static final class Ls implements Callable<Integer> {
    @Mixin ConfigOptions options;

    @Option(names = "--json", description = "Print JSON, for scripts.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      HostConfig config = options.read();
      List<ServiceRow> rows;
      rows = onDatabase(config, database -> new StatusTable(database).fleet());
      if (json) {
        spec.commandLine()
            .getOut()
            .println(
                new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(rows));
      } else {
        spec.commandLine().getOut().print(ServiceTable.render(rows));
      }
      return 0;
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description =
          "Pauses a service on every replica: its iterations are held back until it is resumed (a "
              + "running iteration finishes).")
  int pause(
      @Mixin ConfigOptions options,
      @Parameters(paramLabel = "NAME", description = "The service.") String name)
      throws IOException {
    return steer(
        options,
        FleetControl.Action.PAUSE,
        name,
        "paused (replicas hold back its iterations within a " + "second)");
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resumes a paused service.")
  int resume(
      @Mixin ConfigOptions options,
      @Parameters(paramLabel = "NAME", description = "The service.") String name)
      throws IOException {
    return steer(options, FleetControl.Action.RESUME, name, "resumed");
  }

  @Command(
      name = "run-once",
      mixinStandardHelpOptions = true,
      description =
          "Asks the replica that runs a service (the lease holder, for an exclusive one) to run one "
              + "iteration now, paused or not.")
  int runOnce(
      @Mixin ConfigOptions options,
      @Parameters(paramLabel = "NAME", description = "The service.") String name)
      throws IOException {
    return steer(
        options,
        FleetControl.Action.RUN_ONCE,
        name,
        "one iteration requested (it runs within about a "
            + "second on a replica that runs the service)");
  }

  private int steer(ConfigOptions options, FleetControl.Action action, String name, String done)
      throws IOException {
    HostConfig config = options.read();
    onDatabase(
        config,
        database -> {
          new FleetControl(database, "cli")
              .apply(action, name, config.services().stream().map(ServiceSpec::name).toList());
          return null;
        });
    spec.commandLine().getOut().println(name + ": " + done);
    return 0;
  }

  /**
   * Runs {@code work} on the configuration's database, its tables made, with the JDBC drivers of
   * the plugins folder registered.
   */
  @SuppressWarnings("try") // the folder only has to be open while the database is
  private static <T> T onDatabase(HostConfig config, Function<Database, T> work)
      throws IOException {
    try (PluginFolder plugins = PluginFolder.open(config);
        Database database = config.openDatabase(2)) {
      HostSchema.create(database);
      return work.apply(database);
    }
  }
}
