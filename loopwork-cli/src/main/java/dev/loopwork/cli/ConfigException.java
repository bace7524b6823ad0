package dev.loopwork.cli;

import dev.loopwork.LoopworkException;
import java.util.List;

/**
 * The configuration has problems; each one names its path in the file, e.g. {@code
 * services.x.interval}.
 */
final class ConfigException extends LoopworkException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  ConfigException(String source, List<String> problems) {
    super(
        source
            + " has "
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + ":\n  "
            + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem, as {@code path: what is wrong}. */
  List<String> problems() {
    return problems;
  }
}
