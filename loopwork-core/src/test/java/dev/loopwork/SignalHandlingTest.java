package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SIGINT and SIGTERM, sent with {@code kill} to a real JVM running {@link SignalProbe} (POSIX systems). */
class SignalHandlingTest {
  private static final int EXIT_ON_SIGTERM = 128 + 15;

  private JvmProcess probe;

  @AfterEach
  void killProbe() {
    if (probe != null) {
      probe.close();
    }
  }

  @Test
  void sigtermStopsAServiceGracefullyAndTheProgramEndsByItself() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "single");
    probe.awaitLine("ready single");
    probe.signal("TERM");
    assertThat(probe.exitCode()).isZero();
    assertThat(probe.output()).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void sigintStopsAServiceGracefully() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "single");
    probe.awaitLine("ready single");
    probe.signal("INT");
    assertThat(probe.exitCode()).isZero();
    assertThat(probe.output()).containsSubsequence("stopped single", "start returned");
  }

  @Test
  void oneSignalStopsEveryServiceOfRunAll() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "run-all");
    probe.awaitLine("ready first");
    probe.awaitLine("ready second");
    probe.signal("TERM");
    assertThat(probe.exitCode()).isZero();
    assertThat(probe.output()).contains("stopped first", "stopped second", "runAll returned");
  }

  @Test
  void aServiceThatDoesNotHandleSignalsLeavesThemToTheJvm() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "unhandled");
    probe.awaitLine("ready unhandled");
    probe.signal("TERM");
    assertThat(probe.exitCode()).isEqualTo(EXIT_ON_SIGTERM);
    assertThat(probe.output()).doesNotContain("stopped unhandled", "start returned");
  }

  @Test
  void aSecondSignalWhileStoppingGoesToThePreviousHandler() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "stuck-on-stop");
    probe.awaitLine("ready");
    probe.signal("TERM");
    probe.awaitLine("stopping");
    probe.signal("TERM");
    assertThat(probe.exitCode()).isEqualTo(EXIT_ON_SIGTERM);
  }

  @Test
  void aSignalWithNoServiceRunningGoesToThePreviousHandler() throws Exception {
    probe = JvmProcess.start(SignalProbe.class, "none-running");
    probe.awaitLine("idle");
    probe.signal("TERM");
    assertThat(probe.exitCode()).isEqualTo(EXIT_ON_SIGTERM);
  }
}
