package dev.loopwork.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code loopwork} jar, started as a process the way an operator starts it: {@code java
 * -jar}, with its own working directory and environment. Its output goes to files that the tests
 * read.
 */
final class HostProcess implements AutoCloseable {
  /** The shaded jar that the build made before the integration tests run. */
  static final Path JAR = findJar();

  /** Generous: the build machine is shared and a JVM start may take several seconds. */
  static final Duration STARTUP = Duration.ofSeconds(60);

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private HostProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
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
      String tag =
          args.length == 0 ? "host" : String.join("-", args).replaceAll("[^A-Za-z0-9.-]", "_");
      tag = tag.length() > 60 ? tag.substring(0, 60) : tag;
      Path out = Files.createTempFile(directory, tag + "-", ".out");
      Path err = Files.createTempFile(directory, tag + "-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("LOOPWORK_"));
      builder.environment().putAll(env);
      return new HostProcess(builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** A port that is free now, for the admin endpoint. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  /** Waits until the log holds {@code text}; fails early if the process ends first. */
  void awaitLog(String text) {
    await("log line \"" + text + "\"")
        .atMost(STARTUP)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!process.isAlive() && !stderr().contains(text)) {
                throw new AssertionError(
                    "loopwork ended with "
                        + process.exitValue()
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

  /** Sends SIGTERM, as {@code kill} and Kubernetes do. */
  void sigterm() {
    process.destroy();
  }

  /** Waits for the process to end and returns its exit code. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("loopwork did not exit within " + timeout + ":\n" + stderr());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** SIGSTOP: the process freezes with its sockets open (a long GC pause, a VM migration). */
  void freeze() {
    signal("STOP");
  }

  /** SIGCONT: a frozen process goes on where it stopped. */
  void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
