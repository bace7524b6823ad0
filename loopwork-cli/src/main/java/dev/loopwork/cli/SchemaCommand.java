package dev.loopwork.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code loopwork schema}: prints the SQL of Loopwork's tables. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description =
        "Prints the SQL that creates Loopwork's tables, for a DBA who creates them by hand ('run' "
            + "creates them itself when missing).")
final class SchemaCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Option(
      names = "--database",
      paramLabel = "PRODUCT",
      description = "PostgreSQL or H2 (default: the database of --config, else PostgreSQL).")
  String product;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String chosen = product;
    if (chosen == null) {
      String url =
          options.config == null ? "jdbc:postgresql:" : options.read().database().jdbcUrl();
      chosen = url.startsWith("jdbc:h2:") ? "H2" : "PostgreSQL";
    }
    String sql;
    try {
      sql = HostSchema.sql(chosen);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--database: " + e.getMessage());
    }
    spec.commandLine().getOut().print(sql);
    return 0;
  }
}
