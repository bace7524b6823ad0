package dev.loopwork.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code loopwork check}: validates the configuration and prints the plan, without running
 * anything.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Validates the configuration (every problem at once, with its path) and prints what 'run' would "
            + "do: database, replica, admin endpoint and services, with the next fires of cron services in "
            + "their zone and in UTC. Connects to nothing and runs nothing.")
final class CheckCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    HostConfig config = options.read();
    try (ServiceFactory factory = new ServiceFactory(config)) {
      factory.create(config.enabledServices(), false);
    }
    spec.commandLine().getOut().print(Plan.of(config, Instant.now()));
    return 0;
  }
}
