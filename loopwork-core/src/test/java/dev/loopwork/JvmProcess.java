package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A main class run in a JVM of its own, on this JVM's class path, whose output a test reads line by
 * line.
 */
public final class JvmProcess implements AutoCloseable {
  private static final long WAIT_SECONDS = 30;

  private final Process process;
  private final List<String> output = new ArrayList<>();

  private JvmProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readOutput, "jvm-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM. */
  public static JvmProcess start(Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return new JvmProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** Waits until the process prints {@code expected} as a whole line; fails after 30 seconds. */
  public void awaitLine(String expected) throws InterruptedException {
    awaitLineMatching(Pattern.quote(expected));
  }

  /**
   * Waits until the process has printed (at any time since it started) a whole line that matches
   * {@code regex}; fails after 30 seconds.
   */
  public void awaitLineMatching(String regex) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    synchronized (output) {
      while (output.stream().noneMatch(line -> pattern.matcher(line).matches())) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new AssertionError(
              "the process never printed a line matching " + regex + "; it printed: " + output);
        }
        TimeUnit.NANOSECONDS.timedWait(output, remaining);
      }
    }
  }

  /** Sends a signal by name ({@code "TERM"}, {@code "INT"}) with the {@code kill} command. */
  public void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  /** Waits for the process to end by itself (at most 30 seconds) and returns its exit code. */
  public int exitCode() throws InterruptedException {
    assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("the process ends by itself; it printed: %s", output())
        .isTrue();
    return process.exitValue();
  }

  /** Every line printed so far. */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (output) {
          output.add(line);
          output.notifyAll();
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }
}
