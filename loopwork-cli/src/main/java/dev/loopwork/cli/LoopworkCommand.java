package dev.loopwork.cli;

import dev.loopwork.jdbc.DatabaseException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code loopwork} command: runs loop services from a YAML file and steers them. Exit codes: 0
 * success, 1 a failure at run time (e.g. the database cannot be reached), 2 a usage or
 * configuration error.
 */
@Command(
    name = "loopwork",
    mixinStandardHelpOptions = true,
    versionProvider = LoopworkCommand.Version.class,
    description =
        "Runs loop services (periodic maintenance routines) from a YAML file, and steers them.",
    subcommands = {
      InitCommand.class,
      RunCommand.class,
      CheckCommand.class,
      ServicesCommand.class,
      SchemaCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure at run time (database unreachable, ...)",
      "2:usage or configuration error"
    })
public final class LoopworkCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line {@code args} and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line {@code args} and returns its exit code. */
  static int execute(String... args) {
    CommandLine cli = new CommandLine(new LoopworkCommand());
    cli.setExecutionExceptionHandler(LoopworkCommand::handle);
    try {
      return cli.execute(args);
    } finally {
      cli.getOut().flush();
      cli.getErr().flush();
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing command: init, run, check, services or schema");
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof ConfigException || e instanceof FleetControl.RefusedException) {
      err.println("loopwork: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    if (e instanceof DatabaseException) {
      err.println("loopwork: " + e.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    }
    err.println("loopwork: " + e);
    return CommandLine.ExitCode.SOFTWARE;
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = LoopworkCommand.class.getPackage().getImplementationVersion();
      return new String[] {"loopwork " + (version == null ? "(development build)" : version)};
    }
  }
}
