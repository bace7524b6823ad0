package dev.loopwork.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loopwork init [FILE]}: writes a commented first configuration (the embedded H2 database,
 * one sql service on it, every setting with its default) and prints the commands that come next.
 * Never overwrites a file.
 */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description =
        "Writes a commented first configuration: the embedded H2 database, one sql service that "
            + "runs on it, a PostgreSQL service commented out, and every setting with its default. "
            + "Never overwrites a file.")
final class InitCommand implements Callable<Integer> {
  /** The configuration that {@code init} writes, a resource in the jar. */
  static final String TEMPLATE = "loopwork-init.yaml";

  @Parameters(
      arity = "0..1",
      paramLabel = "FILE",
      defaultValue = "loopwork.yaml",
      description = "The file to write (default: ${DEFAULT-VALUE}).")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String problem;
    try (InputStream template = InitCommand.class.getResourceAsStream(TEMPLATE)) {
      Files.write(file, template.readAllBytes(), StandardOpenOption.CREATE_NEW);
      problem = null;
    } catch (FileAlreadyExistsException e) {
      problem =
          " exists already; init never overwrites a file: move it away, or name another file "
              + "(init FILE)";
    } catch (NoSuchFileException e) {
      problem = " cannot be written: its folder does not exist";
    } catch (IOException e) {
      problem = " cannot be written: " + e.getMessage();
    }
    if (problem != null) {
      spec.commandLine().getErr().println("loopwork: " + file + problem);
      return CommandLine.ExitCode.USAGE;
    }
    String name = spec.root().name();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Wrote " + file + ": the embedded H2 database and one sql service, heartbeat. Next:");
    out.println("  " + name + " check --config " + file);
    out.println("  " + name + " run --config " + file);
    return 0;
  }
}
