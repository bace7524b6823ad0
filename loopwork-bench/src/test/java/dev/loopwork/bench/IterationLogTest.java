package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IterationLogTest {
  private final IterationLog log = new IterationLog();

  @Test
  void readsTheLinesReplicasPrintAndIgnoresOthers() {
    assertThat(log.addLine(IterationLog.beginLine("svc-0", "r1", 100))).isTrue();
    assertThat(log.addLine(IterationLog.endLine("svc-0", "r1", 100, 200))).isTrue();
    assertThat(log.addLine("READY r1")).isFalse();

    assertThat(log.size()).isEqualTo(1);
    assertThat(log.latestRunner("svc-0")).contains("r1");
    assertThat(log.lastStartBefore("svc-0", 101)).contains(100L);
    assertThat(log.lastStartBefore("svc-0", 100)).isEmpty();
  }

  @Test
  void rejectsAMalformedIterationLine() {
    assertThatThrownBy(() -> log.addLine("RUN svc-0 r1 100"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RUN svc-0 r1 100");
  }

  @Test
  void theLastStartCountsAnIterationThatNeverReportedItsEnd() {
    log.add(new IterationLog.Iteration("svc-0", "r1", 100, 200));
    log.begun("svc-0", "r1", 100);
    log.begun("svc-0", "r2", 1100); // killed inside this one

    assertThat(log.lastStartBefore("svc-0", 1500)).contains(1100L);
    assertThat(log.latestRunner("svc-0")).contains("r2");
    assertThat(log.lastStartBefore("svc-0", 1000)).contains(100L);
  }

  @Test
  void countsOverlapsOnlyAcrossReplicas() {
    log.add(new IterationLog.Iteration("svc-0", "r1", 0, 500));
    log.add(
        new IterationLog.Iteration(
            "svc-0", "r1", 100, 200)); // same replica: not the peers' promise
    log.add(new IterationLog.Iteration("svc-0", "r2", 400, 600)); // overlaps the first
    log.add(
        new IterationLog.Iteration(
            "svc-0", "r3", 600, 700)); // starts as the last one ends: no overlap
    log.add(new IterationLog.Iteration("svc-1", "r3", 450, 460)); // another service

    assertThat(log.overlapping()).isEqualTo(1);
  }

  @Test
  void countsSlotsRunTwiceOnDifferentReplicas() {
    run("svc-0", "r1", 0, 10);
    run("svc-0", "r2", 300, 310); // 300 after r1's: twice
    run("svc-0", "r2", 400, 410); // same replica
    run("svc-0", "r1", 1400, 1410); // a full interval later
    log.begun("svc-0", "r3", 2400); // killed inside its iteration: it never ends
    run("svc-0", "r1", 2700, 2710); // 300 after r3's: twice

    assertThat(log.closerThan(500)).isEqualTo(2);
    assertThat(log.movesBetween(0, 1400)).isEqualTo(1);
    assertThat(log.movesBetween(0, 1401)).isEqualTo(2);
    assertThat(log.startedBetween(300, 1400)).isEqualTo(2);
    assertThat(log.servicesStartedAfter(1000)).isEqualTo(1);
    assertThat(log.firstElsewhereAfter("svc-0", "r2", 0).orElseThrow().startMicros())
        .isEqualTo(1400);
  }

  /** An iteration as a replica reports it: its beginning, then its end. */
  private void run(String service, String replica, long start, long end) {
    log.begun(service, replica, start);
    log.add(new IterationLog.Iteration(service, replica, start, end));
  }
}
