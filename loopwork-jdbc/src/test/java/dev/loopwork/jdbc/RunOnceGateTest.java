package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a run-once request is claimed only when its iteration has its permit, so that a request
 * that comes while the lease is not ready here is not lost, and one that another replica took runs
 * nothing here.
 */
class RunOnceGateTest {
  private final ManualClock clock = new ManualClock();
  private final List<String> runs = new ArrayList<>();
  private final List<String> claims = new ArrayList<>();
  private IterationPermit leaseAnswer = IterationPermit.denied();
  private int grantsGivenBack;
  private final RunOnceGate gate =
      new RunOnceGate(
          service ->
              new LoopCoordinator.Membership() {
                @Override
                public IterationPermit permit() {
                  return leaseAnswer;
                }

                @Override
                public void iterationEnded(IterationPermit permit) {
                  grantsGivenBack++;
                }

                @Override
                public void leave() {}
              });
  private final LoopService hourly =
      LoopService.of("purge", Duration.ofHours(1), () -> runs.add("ran"));

  @Test
  void aRequestIsClaimedOnlyWhenItsIterationIsGrantedAndIsAskedForAgainWithinASecondMeanwhile() {
    engine().start(hourly);

    assertThat(gate.runNow(hourly, () -> claims.add("claimed"))).isTrue();
    assertThat(claims).as("not claimed while the lease is elsewhere").isEmpty();
    assertThat(gate.isRequested("purge")).isTrue();

    leaseAnswer = IterationPermit.granted(3);
    clock.advance(RunOnceGate.RETRY);
    assertThat(claims)
        .as("the lease's denial became a deferral of a second while the request waits")
        .containsExactly("claimed");
    assertThat(runs).containsExactly("ran");
    assertThat(gate.isRequested("purge")).isFalse();
  }

  @Test
  void aRequestThatAnotherReplicaTookRunsNothingHereAndGivesTheGrantBack() {
    engine().start(hourly);
    leaseAnswer = IterationPermit.granted(3);
    clock.advance(Duration.ofMinutes(1));
    runs.clear();
    grantsGivenBack = 0;

    assertThat(gate.runNow(hourly, () -> false)).isTrue();
    assertThat(runs).isEmpty();
    assertThat(grantsGivenBack).isEqualTo(1);
  }

  @Test
  void aServiceThatIsNotRunningLeavesNoRequestBehind() {
    assertThat(gate.runNow(hourly, () -> claims.add("claimed"))).isFalse();

    assertThat(gate.isRequested("purge")).isFalse();
    assertThat(claims).isEmpty();
  }

  private LoopEngine engine() {
    return LoopEngine.builder().clock(clock).executor(Runnable::run).coordinator(gate).build();
  }
}
