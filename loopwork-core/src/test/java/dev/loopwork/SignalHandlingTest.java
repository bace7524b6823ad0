package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.testsupport.ChildProcess;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SIGINT and SIGTERM, sent with {@code kill} to a real JVM running {@link SignalProbe} (POSIX
 * systems).
 */
class SignalHandlingTest {
  private static final int EXIT_ON_SIGTERM = 128 + 15;

  /** The slowest {@code onStop} of the "slow-stops" probe. */
  private static final long SLOWEST_ON_STOP_MILLIS = 1_000;

  /**
   * What a stop may take beyond its slowest {@code onStop}: the engine's own part is well under 100
   * ms; the rest is room for a loaded machine and for the output to reach this test. One after
   * another the three slow ones would take 3 s.
   */
  private static final long STOP_MARGIN_MILLIS = 1_000;

  private ChildProcess probe;

  @AfterEach
  void killProbe() {
    if (probe != null) {
      probe.close();
    }
  }

  @Test
  void sigtermStopsAServiceGracefullyAndTheProgramEndsByItself() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "single");
    probe.awaitLine("ready single");
    probe.signal("TERM");
    assertThat(probe.awaitExit()).isZero();
    assertThat(probe.output()).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void sigintStopsAServiceGracefully() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "single");
    probe.awaitLine("ready single");
    probe.signal("INT");
    assertThat(probe.awaitExit()).isZero();
    assertThat(probe.output()).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void oneSignalStopsEveryServiceOfRunAll() throws Exception {
    probe =
        ChildProcess.start(
            "SignalProbe",
            new ProcessBuilder(
                    ChildProcess.javaCommand(
                        List.of("-Dlogback.configurationFile=signal-probe-logback.xml"),
                        SignalProbe.class,
                        "run-all"))
                .redirectErrorStream(true));
    probe.awaitLine("ready first");
    probe.awaitLine("ready second");
    probe.awaitLine("ready loopwork-own");
    probe.signal("TERM");
    assertThat(probe.awaitExit()).isZero();
    assertThat(probe.output())
        .contains("stopped first", "stopped second", "stopped loopwork-own", "runAll returned");
    assertThat(probe.output())
        .as(
            "issue 18: the log counts the application's runs that the signal stops, not its"
                + " registrations nor Loopwork's own service")
        .anyMatch(line -> line.contains("Received SIGTERM: stopping 2 loop service run(s)"));
  }

  /**
   * Issue 11: the shutdown work of waiting services runs on the pool, in parallel, each {@code
   * onStop} isolated; not one after another on the JVM's signal thread. Three 1 s {@code onStop}s
   * among 10,000 services end together (run one after another they would take 3 s), and one that
   * throws an Error skips none of the others.
   */
  @Test
  void onSignalTheServicesStopInParallelOffTheSignalThread() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "slow-stops");
    probe.awaitLine("ready all");
    long signalled = System.nanoTime();
    probe.signal("TERM");
    probe.awaitLine("stopped 10004");
    long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
    assertThat(probe.awaitExit()).isZero();

    List<String> lines = probe.output();
    assertThat(lines).contains("runAll threw java.lang.AssertionError: onStop of broken");
    List<String> began =
        lines.stream().filter(l -> l.startsWith("onStop slow-") && l.contains(" began ")).toList();
    List<Long> ends =
        lines.stream()
            .filter(l -> l.startsWith("onStop slow-") && l.contains(" ended "))
            .map(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)))
            .toList();
    assertThat(began).hasSize(3).noneMatch(l -> l.contains("SIGTERM") || l.contains("Signal"));
    long firstEnd = ends.stream().mapToLong(Long::longValue).min().orElseThrow();
    assertThat(began)
        .allMatch(l -> Long.parseLong(l.split(" ")[3]) < firstEnd); // all three overlapped
    assertThat(tookMillis).isLessThan(SLOWEST_ON_STOP_MILLIS + STOP_MARGIN_MILLIS);
  }

  @Test
  void aServiceThatDoesNotHandleSignalsLeavesThemToTheJvm() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "unhandled");
    probe.awaitLine("ready unhandled");
    probe.signal("TERM");
    assertThat(probe.awaitExit()).isEqualTo(EXIT_ON_SIGTERM);
    assertThat(probe.output()).doesNotContain("stopped unhandled", "start returned");
  }

  @Test
  void aSecondSignalWhileStoppingGoesToThePreviousHandler() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "stuck-on-stop");
    probe.awaitLine("ready");
    probe.signal("TERM");
    probe.awaitLine("stopping");
    probe.signal("TERM");
    assertThat(probe.awaitExit()).isEqualTo(EXIT_ON_SIGTERM);
  }

  @Test
  void aSignalWithNoServiceRunningGoesToThePreviousHandler() throws Exception {
    probe = ChildProcess.java(SignalProbe.class, "none-running");
    probe.awaitLine("idle");
    probe.signal("TERM");
    assertThat(probe.awaitExit()).isEqualTo(EXIT_ON_SIGTERM);
  }
}
