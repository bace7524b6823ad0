package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetCoordinatorTest {
  private final ScriptedLeases leases = new ScriptedLeases();
  private final FleetCoordinator coordinator = new FleetCoordinator(leases, Set.of("beat", "sync"), Set.of("sync"));

  private static LoopService service(String name) {
    return LoopService.of(name, Duration.ofHours(1), () -> { });
  }

  @Test
  void exclusiveServicesAskTheLeasesAndEveryReplicaServicesDoNot() {
    LoopCoordinator.Membership exclusive = coordinator.join(service("purge"));
    LoopCoordinator.Membership everywhere = coordinator.join(service("beat"));

    assertThat(exclusive.permit().isGranted()).isTrue();
    assertThat(everywhere.permit().isGranted()).isTrue();
    assertThat(leases.joined).containsExactly("purge");
  }

  @Test
  void aDenialBecomesAShortDeferralSoThatANewOwnerStartsOnTime() {
    leases.answer = IterationPermit.denied();
    LoopCoordinator.Membership member = coordinator.join(service("purge"));

    assertThat(member.permit().deferral()).isEqualTo(FleetCoordinator.RETRY);
    leases.answer = IterationPermit.deferred(Duration.ofMinutes(3));
    assertThat(member.permit().deferral()).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void pausedServicesWaitWithoutAskingTheLeasesExceptTheHostsOwn() {
    LoopCoordinator.Membership purge = coordinator.join(service("purge"));
    LoopCoordinator.Membership sync = coordinator.join(service("sync"));
    coordinator.setPaused(Set.of("purge", "sync"));

    assertThat(purge.permit().deferral()).isEqualTo(FleetCoordinator.RETRY);
    assertThat(leases.asked).isZero();
    assertThat(sync.permit().isGranted()).isTrue();

    coordinator.setPaused(Set.of());
    assertThat(purge.permit().isGranted()).isTrue();
  }

  @Test
  void aOneShotRunsWhilePausedAndNeverOverlapsTheScheduledIteration() {
    LoopCoordinator.Membership scheduled = coordinator.join(service("purge"));
    LoopService oneShot = service("purge");
    coordinator.markOneShot(oneShot);
    LoopCoordinator.Membership extra = coordinator.join(oneShot);
    coordinator.setPaused(Set.of("purge"));

    IterationPermit running = extra.permit();
    assertThat(running.isGranted()).isTrue();
    coordinator.setPaused(Set.of());
    assertThat(scheduled.permit().deferral()).isEqualTo(FleetCoordinator.BUSY_RETRY);

    extra.iterationEnded(running);
    IterationPermit next = scheduled.permit();
    assertThat(next.isGranted()).isTrue();
    assertThat(extra.permit().deferral()).as("and the other way round").isEqualTo(FleetCoordinator.BUSY_RETRY);
    scheduled.iterationEnded(next);
    assertThat(leases.ended).isEqualTo(1);
    assertThat(coordinator.isOneShot(oneShot)).isTrue();
  }

  /** Lease answers set by the test. */
  private static final class ScriptedLeases implements LoopCoordinator {
    final List<String> joined = new ArrayList<>();
    IterationPermit answer = IterationPermit.granted(7);
    int asked;
    int ended;

    @Override
    public Membership join(LoopService service) {
      joined.add(service.name());
      return new Membership() {
        @Override
        public IterationPermit permit() {
          asked++;
          return answer;
        }

        @Override
        public void iterationEnded(IterationPermit permit) {
          ended++;
        }

        @Override
        public void leave() {}
      };
    }
  }
}
