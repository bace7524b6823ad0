package dev.loopwork.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code loopwork run}: runs every enabled service until SIGINT or SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs every enabled service of the configuration, with Loopwork's own maintenance services, "
          + "until SIGINT or SIGTERM; then the current iterations finish, the leases are released and it exits with 0. "
          + "A second signal exits at once.",
      "Without --config it runs on the embedded H2 database under ./loopwork-data."
    })
final class RunCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    new Host(options.read()).run();
    return 0;
  }
}
