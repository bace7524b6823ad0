package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** SIGINT and SIGTERM, sent to a real JVM running {@link SignalProbe}. */
@DisabledOnOs(OS.WINDOWS)
class SignalHandlingTest {
  private static final long WAIT_SECONDS = 30;
  private static final int EXIT_ON_SIGTERM = 128 + 15;

  private Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> output = new CopyOnWriteArrayList<>();

  @AfterEach
  void killProbe() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  @Test
  void sigtermStopsAServiceGracefullyAndTheProgramEndsByItself() throws Exception {
    launch("single");
    awaitLine("ready single");
    signal("TERM");
    assertThat(exitCode()).isZero();
    assertThat(output).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void sigintStopsAServiceGracefully() throws Exception {
    launch("single");
    awaitLine("ready single");
    signal("INT");
    assertThat(exitCode()).isZero();
    assertThat(output).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void oneSignalStopsEveryServiceOfRunAll() throws Exception {
    launch("run-all");
    awaitLine("ready first");
    awaitLine("ready second");
    signal("TERM");
    assertThat(exitCode()).isZero();
    assertThat(output).contains("stopped first", "stopped second", "runAll returned");
  }

  @Test
  void aServiceThatDoesNotHandleSignalsLeavesThemToTheJvm() throws Exception {
    launch("unhandled");
    awaitLine("ready unhandled");
    signal("TERM");
    assertThat(exitCode()).isEqualTo(EXIT_ON_SIGTERM);
    assertThat(output).doesNotContain("stopped unhandled", "start returned");
  }

  @Test
  void aSecondSignalWhileStoppingGoesToThePreviousHandler() throws Exception {
    launch("stuck-on-stop");
    awaitLine("ready");
    signal("TERM");
    awaitLine("stopping");
    signal("TERM");
    assertThat(exitCode()).isEqualTo(EXIT_ON_SIGTERM);
  }

  @Test
  void aSignalWithNoServiceRunningGoesToThePreviousHandler() throws Exception {
    launch("none-running");
    awaitLine("idle");
    signal("TERM");
    assertThat(exitCode()).isEqualTo(EXIT_ON_SIGTERM);
  }

  private void launch(String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SignalProbe.class.getName(), mode)
        .redirectErrorStream(true)
        .start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
          lines.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "probe-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void awaitLine(String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (expected.equals(line)) {
        return;
      }
    }
    throw new AssertionError("the probe never printed \"" + expected + "\"; it printed: " + output);
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private int exitCode() throws InterruptedException {
    assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("the probe ends by itself; it printed: %s", output).isTrue();
    return process.exitValue();
  }
}
