package dev.loopwork.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that reads the configuration shares. */
final class ConfigOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "The YAML configuration (default: none; the embedded H2 database under ./loopwork-data and "
              + "Loopwork's own services).")
  Path config;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      defaultValue = "${env:LOOPWORK_LOG_FORMAT:-text}",
      description =
          "Log lines as 'text' or 'json' (one JSON object a line); default ${DEFAULT-VALUE}, or "
              + "$LOOPWORK_LOG_FORMAT.")
  void logFormat(String format) {
    if (!format.equals("text") && !format.equals("json")) {
      throw new picocli.CommandLine.ParameterException(
          mixee.commandLine(), "--log-format must be text or json, not '" + format + "'");
    }
    if (format.equals("json")) {
      System.setProperty("logback.configurationFile", JSON_LOGBACK);
    }
  }

  /** The logback configuration of JSON lines, a resource in the jar. */
  static final String JSON_LOGBACK = "dev/loopwork/cli/logback-json.xml";

  /**
   * The validated configuration; from now on its secrets are masked in every log line.
   *
   * @throws ConfigException if it has problems
   */
  HostConfig read() {
    HostConfig read = ConfigReader.ofSystemEnvironment().read(config);
    SecretMaskingEncoder.use(read.secretMask());
    return read;
  }
}
