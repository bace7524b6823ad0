package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.test.ManualClock;
import dev.loopwork.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one fleet model (issue 15): exclusive and every-replica services, pause as held iterations
 * with an instant resume, and run-once claimed at the grant (issue 13).
 */
class FleetGateTest {
  private final ScriptedLeases leases = new ScriptedLeases();
  private final FleetGate coordinator = new FleetGate(leases).runOnEveryReplica("beat");
  private final ManualClock clock = new ManualClock();
  private final List<Long> tokens = new ArrayList<>();
  private final LoopService hourlyPurge = tokenRecorder("purge", tokens);

  private static LoopService service(String name) {
    return LoopService.of(name, Duration.ofHours(1), () -> {});
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
  void anEveryReplicaServiceRunsWithoutAFencingToken() {
    List<String> seen = new ArrayList<>();
    LoopService beat =
        new LoopService(Duration.ofHours(1), false) {
          @Override
          public String name() {
            return "beat";
          }

          @Override
          protected void runOnce() {
            seen.add(String.valueOf(fencingToken()));
          }
        };
    engine().start(beat);
    engine().start(hourlyPurge);

    assertThat(seen).containsExactly("OptionalLong.empty");
    assertThat(tokens).containsExactly(7L);
  }

  @Test
  void aDenialBecomesAShortDeferralSoThatANewOwnerStartsOnTime() {
    leases.answer = IterationPermit.denied();
    LoopCoordinator.Membership member = coordinator.join(service("purge"));

    assertThat(member.permit().deferral()).isEqualTo(FleetGate.RETRY);
    leases.answer = IterationPermit.deferred(Duration.ofMinutes(3));
    assertThat(member.permit().deferral()).isEqualTo(Duration.ofMinutes(3));
    leases.answer = IterationPermit.skipped("maintenance");
    assertThat(member.permit()).as("a skip from behind stays one").isSameAs(leases.answer);
  }

  /** Issue 16: the fires of a calendar service reach the leases; a fire's denial stays one. */
  @Test
  void aCalendarFireIsAskedOfTheLeasesAndItsDenialStaysADenial() {
    Instant fire = Instant.parse("2026-01-01T03:00:00Z");
    leases.lastFire = fire.minusSeconds(60);
    LoopCoordinator.Membership member = coordinator.join(service("purge"));

    assertThat(member.takeLastRecordedFire()).contains(fire.minusSeconds(60));
    assertThat(member.permit(fire).fencingToken()).isEqualTo(7);
    leases.answer = IterationPermit.denied();
    IterationPermit denied = member.permit(fire);
    assertThat(denied.isGranted()).isFalse();
    assertThat(denied.deferral()).isZero();
    assertThat(leases.fires).containsExactly(fire, fire);
  }

  @Test
  void pausedServicesAreSkippedWhereTheyWouldRunWithoutAskingTheLeases() {
    LoopCoordinator.Membership purge = coordinator.join(service("purge"));
    LoopCoordinator.Membership beat = coordinator.join(service("beat"));
    coordinator.setPaused(Set.of("purge", "beat"));

    assertThat(purge.permit()).hasToString("IterationPermit[skipped: paused]");
    assertThat(beat.permit().skipReason()).isEqualTo(FleetGate.PAUSED);
    leases.holder = false;
    assertThat(purge.permit().deferral())
        .as("a standby: no skip to report, asked again soon in case the lease comes")
        .isEqualTo(FleetGate.RETRY);
    assertThat(beat.permit().isSkipped()).as("an every-replica service runs here").isTrue();
    assertThat(purge.isHolder()).isFalse();
    assertThat(beat.isHolder()).isTrue();
    assertThat(leases.asked).isZero();

    assertThat(coordinator.setPaused(Set.of("beat"))).containsExactly("purge");
    assertThat(purge.permit().isGranted()).isTrue();
    assertThat(coordinator.isPaused("beat")).isTrue();
  }

  @Test
  void aResumedServiceRunsAtOnceAndThenEveryIntervalFromThere() {
    engine().start(hourlyPurge);
    assertThat(tokens).hasSize(1);
    coordinator.pause("purge");
    clock.advance(Duration.ofHours(2));
    assertThat(tokens).as("held back for two slots").hasSize(1);

    clock.advance(Duration.ofMinutes(10));
    coordinator.resume("purge");
    assertThat(tokens).as("resumed: it runs at once, not a retry later").hasSize(2);
    clock.advance(Duration.ofMinutes(59));
    assertThat(tokens).hasSize(2);
    clock.advance(Duration.ofMinutes(1));
    assertThat(tokens).as("one interval after the resumed iteration").hasSize(3);
  }

  /**
   * Issue 18: each due iteration of a paused service is reported as skipped on the lease holder,
   * and on no standby.
   */
  @Test
  void aPausedServiceReportsEachSkippedIterationOnTheLeaseHolderOnly() {
    RecordingListener recorder = new RecordingListener();
    hourlyPurge.addListener(recorder);
    engine().start(hourlyPurge);
    coordinator.pause("purge");
    clock.advance(Duration.ofHours(2));
    assertThat(skips(recorder)).as("one per hourly slot").hasSize(2);

    leases.holder = false;
    clock.advance(Duration.ofHours(2));
    assertThat(skips(recorder)).as("nothing while another replica holds the lease").hasSize(2);
    assertThat(tokens).hasSize(1);
  }

  private static List<String> skips(RecordingListener recorder) {
    return recorder.events().stream()
        .filter(event -> event.equals("purge skipped paused"))
        .toList();
  }

  @Test
  void aRequestIsClaimedOnlyWhenItsIterationIsGrantedAndIsAskedForAgainWithinASecondMeanwhile() {
    leases.answer = IterationPermit.denied();
    engine().start(hourlyPurge);
    List<String> claims = new ArrayList<>();

    assertThat(coordinator.runNow(hourlyPurge, () -> claims.add("claimed"))).isTrue();
    assertThat(claims).as("not claimed while the lease is elsewhere").isEmpty();
    assertThat(coordinator.isRequested("purge")).isTrue();

    leases.answer = IterationPermit.granted(3);
    clock.advance(FleetGate.RETRY);
    assertThat(claims)
        .as("the lease's denial became a deferral of a second while the request waits")
        .containsExactly("claimed");
    assertThat(coordinator.isRequested("purge")).isFalse();
  }

  @Test
  void runNowRunsOneIterationOfAPausedServiceUnderItsLeaseAndTheScheduleStays() {
    coordinator.setPaused(Set.of("purge"));
    engine().start(hourlyPurge);
    assertThat(tokens).as("paused from the start").isEmpty();

    assertThat(coordinator.runNow(hourlyPurge, () -> true)).isTrue();
    assertThat(tokens)
        .as("the extra iteration, with the lease's fencing token")
        .containsExactly(7L);

    clock.advance(Duration.ofHours(3));
    assertThat(tokens).as("held back again").containsExactly(7L);
    coordinator.setPaused(Set.of());
    assertThat(tokens).as("resumed").containsExactly(7L, 7L);
    clock.advance(Duration.ofMinutes(59));
    assertThat(tokens).as("on the schedule of an hourly service").containsExactly(7L, 7L);
  }

  @Test
  void runNowOfAServiceThatIsNotRunningLeavesNoPassForLater() {
    coordinator.setPaused(Set.of("purge"));

    assertThat(coordinator.runNow(hourlyPurge, () -> true)).isFalse();
    assertThat(coordinator.isRequested("purge")).isFalse();
    engine().start(hourlyPurge);
    clock.advance(Duration.ofHours(2));
    assertThat(tokens).isEmpty();
  }

  @Test
  void aPassIsForTheNextAskOnly() {
    engine().start(hourlyPurge);
    assertThat(coordinator.runNow(hourlyPurge, () -> true)).isTrue();
    assertThat(tokens).as("the first iteration and the extra one, unpaused").hasSize(2);

    coordinator.setPaused(Set.of("purge"));
    clock.advance(Duration.ofHours(2));
    assertThat(tokens).as("no pass left over for a pause").hasSize(2);
  }

  /**
   * Issue 13: a run-once request is claimed only once the iteration has its permit, so that a
   * request that comes while the lease is not ready here (deferred) is not lost; and a request that
   * another replica took runs nothing.
   */
  @Test
  void aRunOnceIsClaimedOnlyWhenItsIterationIsGranted() {
    coordinator.setPaused(Set.of("purge"));
    engine().start(hourlyPurge);
    leases.answer = IterationPermit.deferred(Duration.ofMillis(200));
    List<String> claims = new ArrayList<>();

    assertThat(coordinator.runNow(hourlyPurge, () -> claims.add("claimed"))).isTrue();
    clock.advance(Duration.ofMillis(500));
    assertThat(claims).as("not claimed while the lease is not ready").isEmpty();
    assertThat(tokens).isEmpty();

    leases.answer = IterationPermit.granted(7);
    clock.advance(Duration.ofMillis(200));
    assertThat(claims).containsExactly("claimed");
    assertThat(tokens).containsExactly(7L);
  }

  @Test
  void aRunOnceThatAnotherReplicaClaimedRunsNothingAndGivesTheGrantBack() {
    coordinator.setPaused(Set.of("purge"));
    engine().start(hourlyPurge);

    assertThat(coordinator.runNow(hourlyPurge, () -> false)).isTrue();
    assertThat(tokens).isEmpty();
    assertThat(leases.ended).isEqualTo(1);
    clock.advance(Duration.ofHours(2));
    assertThat(tokens).as("still paused").isEmpty();
  }

  private LoopEngine engine() {
    return LoopEngine.builder()
        .clock(clock)
        .executor(Runnable::run)
        .coordinator(coordinator)
        .build();
  }

  /** An hourly service that records the fencing token of each of its iterations. */
  private static LoopService tokenRecorder(String name, List<Long> tokens) {
    return new LoopService(Duration.ofHours(1), false) {
      @Override
      public String name() {
        return name;
      }

      @Override
      protected void runOnce() {
        tokens.add(fencingToken().orElseThrow());
      }
    };
  }

  /** Lease answers set by the test. */
  private static final class ScriptedLeases implements LoopCoordinator {
    final List<String> joined = new ArrayList<>();
    IterationPermit answer = IterationPermit.granted(7);
    boolean holder = true;
    final List<Instant> fires = new ArrayList<>();
    Instant lastFire;
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
        public boolean isHolder() {
          return holder;
        }

        @Override
        public IterationPermit permit(Instant fire) {
          fires.add(fire);
          return answer;
        }

        @Override
        public Optional<Instant> takeLastRecordedFire() {
          return Optional.ofNullable(lastFire);
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
