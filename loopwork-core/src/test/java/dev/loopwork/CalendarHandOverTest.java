package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.loopwork.CalendarScheduleTest.EverySeconds;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a calendar service handed from one replica to another on the manual clock. A fake
 * coordinator stands for the leases: one owner at a time, which records each fire it grants, and
 * tells a new owner the last recorded fire once, as {@code LeaseCoordinator} does. The new owner
 * goes on after that fire: the fire nobody ran runs once, within the misfire grace; none that the
 * old owner ran runs again.
 */
class CalendarHandOverTest {
  private static final Instant T0 = ManualClock.DEFAULT_START;

  private final ManualClock clock = new ManualClock();
  private final Leases leases = new Leases();

  /** The lease of one service: who holds it, and the last fire recorded. */
  static final class Leases implements LoopCoordinator {
    final List<Replica> members = new ArrayList<>();
    Replica owner;
    Instant lastFire;
    // The database is away: every permit is deferred, the owner's too, and its lease stays.
    boolean away;

    @Override
    public Membership join(LoopService service) {
      throw new UnsupportedOperationException("the engine joins with its interval");
    }

    @Override
    public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
      Replica replica = new Replica(askAgain);
      members.add(replica);
      return replica;
    }

    /** The lease goes to the replica that joined {@code index}-th, which is asked at once. */
    void handTo(int index) {
      owner = members.get(index);
      owner.toldLastFire = false;
      owner.askAgain.run();
    }

    /** Nobody holds the lease (its owner died). */
    void drop() {
      owner = null;
    }

    final class Replica implements Membership {
      final Runnable askAgain;
      boolean toldLastFire;

      Replica(Runnable askAgain) {
        this.askAgain = askAgain;
      }

      @Override
      public IterationPermit permit() {
        return owner == this && !away
            ? IterationPermit.grantedWithoutToken()
            : IterationPermit.deferred(Duration.ofMillis(100));
      }

      @Override
      public IterationPermit permit(Instant fire) {
        IterationPermit permit = permit();
        if (permit.isGranted()) {
          lastFire = fire;
        }
        return permit;
      }

      @Override
      public Optional<Instant> takeLastRecordedFire() {
        if (owner != this || toldLastFire) {
          return Optional.empty();
        }
        toldLastFire = true;
        return Optional.ofNullable(lastFire);
      }

      @Override
      public boolean isHolder() {
        return owner == this;
      }

      @Override
      public void iterationEnded(IterationPermit permit) {}

      @Override
      public void leave() {}
    }
  }

  /** One replica's copy of the service: records the wall-clock instant of each start. */
  static final class Tick extends LoopService {
    final ManualClock clock;
    final List<Instant> starts = new ArrayList<>();

    Tick(ManualClock clock, LoopOptions.Builder options) {
      super(options.handleSignals(false).build());
      this.clock = clock;
    }

    @Override
    public String name() {
      return "Tick";
    }

    @Override
    protected void runOnce() {
      starts.add(clock.instant());
    }
  }

  private Tick replica(ManualClock on, LoopOptions.Builder options) {
    Tick tick = new Tick(on, options);
    LoopEngine.builder().clock(on).executor(Runnable::run).coordinator(leases).build().start(tick);
    return tick;
  }

  private Tick replica(LoopOptions.Builder options) {
    return replica(clock, options);
  }

  private static LoopOptions.Builder everyTenSeconds() {
    return LoopOptions.builder().schedule(new EverySeconds(10));
  }

  @Test
  void theNewOwnerRunsTheFireNobodyRanOnceWithinTheGraceAndTheNextOnTime() {
    Tick a = replica(everyTenSeconds());
    Tick b = replica(everyTenSeconds());
    try (LogCapture log = LogCapture.services()) {
      // a runs 10 and 20 and dies at 25; 30 passes with no owner; b takes over at 33.
      handOver(Duration.ofSeconds(25), Duration.ofSeconds(8), Duration.ofSeconds(7));

      assertThat(a.starts).containsExactly(at(10), at(20));
      assertThat(b.starts).as("30 late, once, then 40 on time").containsExactly(at(33), at(40));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service Tick is late for the fire time 2026-01-01T00:00:30Z of its schedule"
                  + " every 10 s: the wall clock reads 2026-01-01T00:00:33Z. It runs once now,"
                  + " within its misfire grace of 10.000 s.");
    }
  }

  @Test
  void aNewOwnerWithinASecondOfTheFireRunsItWithoutAWarn() {
    Tick a = replica(everyTenSeconds());
    Tick b = replica(everyTenSeconds());
    try (LogCapture log = LogCapture.services()) {
      handOver(Duration.ofSeconds(15), Duration.ofMillis(5_500), Duration.ofMillis(9_500));

      assertThat(a.starts).containsExactly(at(10));
      assertThat(b.starts).containsExactly(T0.plusMillis(20_500), at(30));
      assertThat(log.messages(Level.WARN)).isEmpty();
    }
  }

  @Test
  void aMissedFireOlderThanTheGraceIsSkippedWithAWarnNamingIt() {
    replica(everyTenSeconds().misfireGrace(Duration.ofSeconds(2)));
    Tick b = replica(everyTenSeconds().misfireGrace(Duration.ofSeconds(2)));
    try (LogCapture log = LogCapture.services()) {
      handOver(Duration.ofSeconds(25), Duration.ofSeconds(8), Duration.ofSeconds(7));

      assertThat(b.starts).containsExactly(at(40));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service Tick skipped 1 fire time (2026-01-01T00:00:30Z) of its schedule every"
                  + " 10 s; the wall clock reads 2026-01-01T00:00:33Z, and the latest is older than"
                  + " its misfire grace of 2.000 s. Next fire time: 2026-01-01T00:00:40Z.");
    }
  }

  @Test
  void manyMissedFiresRunOnceForTheLatestAndTheOthersAreNamedInOneWarn() {
    replica(everyTenSeconds());
    Tick b = replica(everyTenSeconds());
    try (LogCapture log = LogCapture.services()) {
      handOver(Duration.ofSeconds(25), Duration.ofSeconds(30), Duration.ofSeconds(5));

      assertThat(b.starts).containsExactly(at(55), at(60));
      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service Tick skipped 2 fire times (2026-01-01T00:00:30Z,"
                  + " 2026-01-01T00:00:40Z) of its schedule every 10 s; the wall clock reads"
                  + " 2026-01-01T00:00:55Z. It runs once now, for 2026-01-01T00:00:50Z, which is"
                  + " within its misfire grace of 10.000 s.");
    }
  }

  @Test
  void aNewOwnerWhoseWallClockIsBehindNeverRunsAFireTheOldOwnerRanAgain() {
    ManualClock behind = new ManualClock(T0.minusSeconds(2));
    Tick a = replica(everyTenSeconds());
    Tick b = replica(behind, everyTenSeconds());
    leases.handTo(0);
    advanceBoth(behind, Duration.ofSeconds(31)); // a ran 30; b's clock reads 29
    leases.handTo(1);
    advanceBoth(behind, Duration.ofSeconds(12));

    assertThat(a.starts).containsExactly(at(10), at(20), at(30));
    assertThat(b.starts).as("40 by b's clock, not 30 again").containsExactly(at(40));
  }

  @Test
  void aReplicaThatStartsAfterEveryReplicaWasDownRunsTheMissedFireAtOnce() {
    leases.lastFire = T0.minusSeconds(3600); // recorded before all went down
    clock.advance(Duration.ofSeconds(600));
    Tick tick = replica(LoopOptions.builder().schedule(new EverySeconds(3600)));
    try (LogCapture log = LogCapture.services()) {
      leases.handTo(0);

      assertThat(tick.starts).as("the fire at T0, 10 minutes late").containsExactly(at(600));
      assertThat(log.messages(Level.WARN)).singleElement().asString().contains("late");
      clock.advance(Duration.ofSeconds(3000));
      assertThat(tick.starts).containsExactly(at(600), at(3600));
    }
  }

  @Test
  void aFireDeferredOnTheHolderUntilTheNextCameIsSkippedWithAWarnAndTheNextRunsOnce() {
    Tick tick = replica(everyTenSeconds());
    Tick standby = replica(everyTenSeconds());
    leases.handTo(0);
    clock.advance(Duration.ofSeconds(9));
    leases.away = true;
    try (LogCapture log = LogCapture.services()) {
      clock.advance(Duration.ofSeconds(12)); // the fire at 10 is deferred past the fire at 20
      leases.away = false;
      clock.advance(Duration.ofMillis(500));

      assertThat(tick.starts).hasSize(1);
      assertThat(tick.starts.get(0)).isBetween(at(21), T0.plusMillis(21_200));
      assertThat(standby.starts).isEmpty();
      assertThat(leases.lastFire).isEqualTo(at(20));
      assertThat(log.messages(Level.WARN))
          .as("one WARN, from the holder: the standby's deferrals are not missed fires")
          .singleElement()
          .asString()
          .contains("skipped 1 fire time (2026-01-01T00:00:10Z)")
          .contains("deferred it until the next fire came")
          .contains("for 2026-01-01T00:00:20Z");
    }
  }

  @Test
  void withNothingRecordedTheNewOwnerGoesOnAsBefore() {
    Tick a = replica(everyTenSeconds());
    leases.handTo(0);
    clock.advance(Duration.ofSeconds(15));
    assertThat(a.starts).containsExactly(at(10));
    assertThat(leases.lastFire).isEqualTo(at(10));
  }

  /**
   * The first replica holds the lease for {@code held}, nobody for {@code none} (its owner died),
   * then the second for {@code after}.
   */
  private void handOver(Duration held, Duration none, Duration after) {
    leases.handTo(0);
    clock.advance(held);
    leases.drop();
    clock.advance(none);
    leases.handTo(1);
    clock.advance(after);
  }

  private void advanceBoth(ManualClock other, Duration duration) {
    for (int i = 0; i < duration.toMillis() / 100; i++) {
      clock.advance(Duration.ofMillis(100));
      other.advance(Duration.ofMillis(100));
    }
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }
}
