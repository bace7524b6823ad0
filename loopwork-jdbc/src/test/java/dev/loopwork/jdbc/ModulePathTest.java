package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: the published modules on the module path. An application module that requires {@code
 * dev.loopwork.jdbc} compiles and runs a loop service and a transaction on H2 with nothing but the
 * modules' own descriptors; a module that imports an internal package of core or of this module
 * does not compile. (Every other test runs on the class path.)
 */
class ModulePathTest {
  /** Loopwork's modules and what they require, from the test's class path. */
  private static final String MODULE_PATH =
      Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
          .filter(
              entry ->
                  entry.matches(
                          ".*(loopwork-core|loopwork-jdbc|slf4j-api|HikariCP|h2|postgresql)[^"
                              + File.separator
                              + "]*(\\.jar|"
                              + File.separator
                              + "target"
                              + File.separator
                              + "classes)$")
                      || entry.endsWith(
                          "loopwork-jdbc" + File.separator + "target" + File.separator + "classes"))
          .filter(entry -> !entry.contains("test-classes") && !entry.contains("tests.jar"))
          .collect(Collectors.joining(File.pathSeparator));

  @TempDir Path dir;

  @Test
  void anApplicationModuleRunsOnTheModulePath() throws Exception {
    Path sources =
        write(
            "app",
            "module app { requires dev.loopwork.jdbc; }",
            "app/Main.java",
            """
        package app;

        import dev.loopwork.LoopService;
        import dev.loopwork.jdbc.Database;
        import java.time.Duration;

        public class Main {
          public static void main(String[] args) throws Exception {
            try (Database database = Database.builder().url("jdbc:h2:mem:modules").build()) {
              LoopService service = new LoopService(Duration.ofMillis(10)) {
                private int runs;

                @Override
                protected void runOnce() throws Exception {
                  database.useTransaction(c -> c.createStatement().execute("SELECT 1"));
                  System.out.println("iteration " + ++runs);
                }
              };
              service.start(3);
            }
            System.out.println("done on the module path: " + Main.class.getModule().getName());
          }
        }
        """);
    Path classes = dir.resolve("app-classes");

    assertThat(compile(sources, classes)).as("javac").isEmpty();
    Process app =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                MODULE_PATH + File.pathSeparator + classes,
                "-m",
                "app/app.Main")
            .redirectErrorStream(true)
            .start();
    String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(app.exitValue()).as(output).isZero();
    assertThat(output).contains("iteration 3", "done on the module path: app");
  }

  @Test
  void theCompilerRefusesTheInternalsOfCoreAndOfThisModule() throws Exception {
    Path core =
        write(
            "core-intruder",
            "module intruder { requires dev.loopwork.jdbc; }",
            "intruder/Uses.java",
            "package intruder; public class Uses { Object o = dev.loopwork.internal.DaemonThreads.named(\"x\"); }");
    Path jdbc =
        write(
            "jdbc-intruder",
            "module intruder { requires dev.loopwork.jdbc; }",
            "intruder/Uses.java",
            "package intruder; public class Uses { Object o = dev.loopwork.jdbc.internal.JdbcUrls.redact(\"x\"); }");

    assertThat(compile(core, dir.resolve("core-out")))
        .contains("package dev.loopwork.internal is not visible");
    assertThat(compile(jdbc, dir.resolve("jdbc-out")))
        .contains("package dev.loopwork.jdbc.internal is not visible");
  }

  private Path write(String name, String descriptor, String file, String source)
      throws IOException {
    Path root = dir.resolve(name);
    Files.createDirectories(root.resolve(file).getParent());
    Files.writeString(root.resolve("module-info.java"), descriptor);
    Files.writeString(root.resolve(file), source);
    return root;
  }

  /**
   * Compiles the module in {@code sources} against Loopwork's modules with the JDK's javac; returns
   * its errors.
   */
  private static String compile(Path sources, Path classes)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "-d",
                classes.toString(),
                "--module-path",
                MODULE_PATH,
                "-Xlint:-module"));
    try (Stream<Path> walk = Files.walk(sources)) {
      walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).forEach(command::add);
    }
    Process javac = new ProcessBuilder(command).redirectErrorStream(true).start();
    String errors = new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(javac.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return errors;
  }
}
