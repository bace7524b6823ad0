package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14: a corpus of broken configurations (test resources under {@code config-corpus/}), each
 * refused by what {@code check} runs (the reader, then the service classes) with a message that
 * names the file and the key or the variable. A file's first lines say what is expected: {@code #
 * expect: <text of the message>}, and optionally {@code # env: NAME=value} for an environment
 * override. {@code BadConfigIT} runs a share of them through the real {@code check} and {@code
 * run}.
 */
class ConfigCorpusTest {

  static Stream<Path> corpus() throws IOException, URISyntaxException {
    Path folder = Path.of(ConfigCorpusTest.class.getResource("/config-corpus").toURI());
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> sorted = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(sorted).hasSizeGreaterThanOrEqualTo(57);
      return sorted.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void checkRefusesItNamingTheKey(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, String> env = new HashMap<>();
    String expected = null;
    for (String line : lines) {
      if (line.startsWith("# env: ")) {
        String[] pair = line.substring(7).split("=", 2);
        env.put(pair[0], pair[1]);
      } else if (line.startsWith("# expect: ")) {
        expected = line.substring(10);
      }
    }

    Throwable refused = catchThrowable(() -> check(file, env));

    assertThat(refused).as(file.getFileName().toString()).isInstanceOf(ConfigException.class);
    assertThat(refused.getMessage()).as("a corpus file says what to expect").isNotNull();
    assertThat(expected)
        .as("# expect: line of " + file.getFileName() + "; the message is: " + refused.getMessage())
        .isNotNull();
    assertThat(refused.getMessage())
        .startsWith(file.toString())
        .contains(expected)
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  /** What {@code loopwork check} does before it prints the plan. */
  private static void check(Path file, Map<String, String> env) throws IOException {
    HostConfig config = new ConfigReader(env).read(file);
    try (ServiceFactory factory = new ServiceFactory(config)) {
      factory.create(config.enabledServices(), false);
    }
  }
}
