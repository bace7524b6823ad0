package dev.loopwork.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.testsupport.ChildProcess;
import org.junit.jupiter.api.Test;

/**
 * The README's example, run as a person would: it prints its iterations and stops cleanly on a
 * signal.
 */
class HelloLoopTest {

  @Test
  void printsItsIterationsAndStopsCleanlyOnSigterm() throws Exception {
    try (ChildProcess example = ChildProcess.java(HelloLoop.class)) {
      example.awaitLine("HelloLoop started: one iteration every 1000 ms; Ctrl-C stops it");
      example.awaitLineMatching("iteration 2 at .*");
      example.signal("TERM");
      assertThat(example.awaitExit()).isZero();
      assertThat(example.output())
          .last()
          .asString()
          .matches("HelloLoop stopped cleanly after \\d+ iteration\\(s\\)");
    }
  }

  @Test
  void stopsCleanlyOnCtrlC() throws Exception {
    try (ChildProcess example = ChildProcess.java(HelloLoop.class, "1000000", "100ms")) {
      example.awaitLineMatching("iteration 3 at .*");
      example.signal("INT");
      assertThat(example.awaitExit()).isZero();
      assertThat(example.output()).last().asString().startsWith("HelloLoop stopped cleanly after ");
    }
  }

  @Test
  void runsAGivenNumberOfIterationsAndEnds() throws Exception {
    try (ChildProcess example = ChildProcess.java(HelloLoop.class, "3", "10ms")) {
      assertThat(example.awaitExit()).isZero();
      assertThat(example.output()).filteredOn(l -> l.startsWith("iteration ")).hasSize(3);
      assertThat(example.output())
          .last()
          .isEqualTo("HelloLoop stopped cleanly after 3 iteration(s)");
    }
  }
}
