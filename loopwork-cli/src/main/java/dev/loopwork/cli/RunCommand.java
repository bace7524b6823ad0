package dev.loopwork.cli;

import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
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
    HostConfig config = options.read();
    if (options.config == null) {
      // Not a static logger: picocli makes this command before --log-format configures Logback.
      LoggerFactory.getLogger(RunCommand.class)
          .info(
              "No --config: Loopwork's own services only, on the embedded H2 database in ./{}; "
                  + "'loopwork init' writes a loopwork.yaml to start from",
              HostConfig.EMBEDDED_DATA_DIRECTORY);
    }
    new Host(config).run();
    return 0;
  }
}
