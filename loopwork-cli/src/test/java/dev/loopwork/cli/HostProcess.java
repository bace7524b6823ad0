package dev.loopwork.cli;

import static org.awaitility.Awaitility.await;

import dev.loopwork.testsupport.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real {@code loopwork} jar, started as a process the way an operator starts it: {@code java
 * -jar}, with its own working directory and environment.
 */
final class HostProcess extends ChildProcess {
  /** The shaded jar that the build made before the integration tests run. */
  static final Path JAR = findJar();

  /** Generous: the build machine is shared and a JVM start may take several seconds. */
  static final Duration STARTUP = Duration.ofSeconds(60);

  private HostProcess(ProcessBuilder builder) {
    super("loopwork", builder, line -> {});
  }

  /**
   * Starts {@code loopwork args...} in {@code directory} with {@code env} added to this process's
   * environment.
   */
  static HostProcess start(Path directory, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(JAR.toAbsolutePath().toString());
    command.addAll(List.of(args));
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("LOOPWORK_"));
    builder.environment().putAll(env);
    return new HostProcess(builder);
  }

  /** Runs {@code loopwork args...} to its end and returns what it did. */
  static Result run(Path directory, Map<String, String> env, String... args) {
    try (HostProcess p = start(directory, env, args)) {
      int code = p.awaitExit(STARTUP);
      return new Result(code, p.stdout(), p.stderr());
    }
  }

  /** What a finished command did. */
  record Result(int exitCode, String stdout, String stderr) {}

  /**
   * A port that is free now, for the admin endpoint: below Linux's ephemeral range (32768 and up),
   * so that no client socket of another process (a JDBC connection of a replica, say) takes it as
   * its local port before the host binds it, as a port the system picked with {@code
   * ServerSocket(0)} can be.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free port between 20000 and 32000 after 100 attempts");
  }

  /** {@code -Dloopwork.cli.jar}, as the build sets it, else the shaded jar in {@code target/}. */
  private static Path findJar() {
    String configured = System.getProperty("loopwork.cli.jar", "");
    if (!configured.isBlank() && Files.isRegularFile(Path.of(configured))) {
      return Path.of(configured);
    }
    try (var files = Files.list(Path.of("target"))) {
      return files
          .filter(f -> f.getFileName().toString().matches("loopwork-cli-.*-all\\.jar"))
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "No loopwork-cli-*-all.jar in target/ (-Dloopwork.cli.jar="
                          + configured
                          + "): run the integration tests with mvn verify, which builds it first"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the log holds {@code text}; fails early if the process ends first. */
  void awaitLog(String text) {
    await("log line \"" + text + "\"")
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!isAlive() && !stderr().contains(text)) {
                throw new AssertionError(
                    "loopwork ended with "
                        + awaitExit(STARTUP)
                        + " before logging \""
                        + text
                        + "\":\n"
                        + stderr());
              }
              return stderr().contains(text);
            });
  }

  /** Waits until the host logged that it runs (and, with an admin port, that it serves). */
  void awaitRunning() {
    awaitLog("service(s) on");
  }

  /** Waits for the process to end and returns its exit code. */
  @Override
  public int awaitExit(Duration timeout) {
    try {
      return super.awaitExit(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
