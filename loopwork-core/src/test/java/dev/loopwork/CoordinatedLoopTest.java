package dev.loopwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * How the engine follows a {@link LoopCoordinator}: denials, deferrals, fencing tokens and the
 * membership's life.
 */
class CoordinatedLoopTest {
  private final ManualClock clock = new ManualClock();
  private final ScriptedCoordinator coordinator = new ScriptedCoordinator();
  private final LoopEngine engine =
      LoopEngine.builder().clock(clock).executor(Runnable::run).coordinator(coordinator).build();
  private final List<String> log = new ArrayList<>();

  @Test
  void deniedIterationIsSkippedUncountedAndKeepsTheSchedule() {
    coordinator.script(
        IterationPermit.granted(1), IterationPermit.denied(), IterationPermit.denied());
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(3_500));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 1_000L, 2_000L, 3_000L);
    assertThat(log)
        .containsExactly(
            "onStart token=empty",
            "run 1 at 0 token=1",
            "run 2 at 3000 token=1",
            "onStop token=empty");
  }

  @Test
  void deferredPermitAsksAgainAfterTheDelayAndTheScheduleFollowsTheRun() {
    coordinator.script(
        IterationPermit.deferred(Duration.ofMillis(400)),
        IterationPermit.granted(7),
        IterationPermit.granted(7));
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(1_500));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 400L, 1_400L);
    assertThat(log).contains("run 1 at 400 token=7", "run 2 at 1400 token=7");
  }

  /**
   * Issue 12: a coordinator that takes a service over asks for an extra iteration and defers it to
   * the next slot.
   */
  @Test
  void aDeferredExtraIterationAsksAgainAfterTheDeferral() {
    coordinator.script(
        IterationPermit.granted(1),
        IterationPermit.deferred(Duration.ofMillis(200)),
        IterationPermit.granted(1),
        IterationPermit.granted(1));
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(300));
    service.runNow();
    clock.advance(Duration.ofMillis(1_300));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 300L, 500L, 1_500L);
    assertThat(log).contains("run 2 at 500 token=1");
  }

  /**
   * Issue 12: an extra iteration that runs while the loop only waits to ask again after a deferral
   * replaces that ask: the schedule goes on one interval after it, with no second iteration right
   * behind it.
   */
  @Test
  void anExtraIterationDuringADeferralReplacesTheRetry() {
    coordinator.script(
        IterationPermit.deferred(Duration.ofMillis(200)),
        IterationPermit.granted(2),
        IterationPermit.granted(2));
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(100));
    service.runNow();
    clock.advance(Duration.ofMillis(1_050));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 100L, 1_100L);
  }

  /**
   * Issue 12: a coordinator whose answer changed (a lease came here) ends the wait that its
   * deferral set.
   */
  @Test
  void askingAgainEndsTheWaitThatADeferralSet() {
    coordinator.script(
        IterationPermit.deferred(Duration.ofSeconds(10)), IterationPermit.granted(4));
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(300));
    coordinator.askAgain.run();
    clock.advance(Duration.ofMillis(1_100));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 300L, 1_300L);
    assertThat(log).contains("run 1 at 300 token=4", "run 2 at 1300 token=1");
  }

  /**
   * Issue 12: asking again while the loop waits for a due iteration of its schedule changes
   * nothing.
   */
  @Test
  void askingAgainBeforeADueIterationNeitherAddsNorMovesOne() {
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofMillis(300));
    coordinator.askAgain.run();
    coordinator.askAgain.run();
    clock.advance(Duration.ofMillis(1_000));
    service.stop(false);

    assertThat(coordinator.askedAtMillis).containsExactly(0L, 1_000L);
    assertThat(log)
        .containsExactly(
            "onStart token=empty",
            "run 1 at 0 token=1",
            "run 2 at 1000 token=1",
            "onStop token=empty");
  }

  @Test
  void membershipLastsFromBeforeOnStartToAfterOnStopAndSeesEveryGrantedIterationEnd() {
    coordinator.script(IterationPermit.granted(3), IterationPermit.denied());
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofSeconds(2));
    service.stop(false);

    assertThat(coordinator.events)
        .containsExactly(
            "join TokenService",
            "permit",
            "ended fencingToken=3",
            "permit",
            "permit",
            "ended fencingToken=1",
            "leave");
    assertThat(log.get(0)).isEqualTo("onStart token=empty");
  }

  @Test
  void loopLimitCountsOnlyGrantedIterations() throws InterruptedException {
    coordinator.script(
        IterationPermit.granted(1), IterationPermit.denied(), IterationPermit.denied());
    TokenService service = new TokenService(Duration.ofSeconds(1));
    LoopHandle handle = engine.start(service, 2);
    clock.advance(Duration.ofSeconds(5));

    assertThat(handle.isDone()).isTrue();
    handle.await();
    assertThat(log)
        .containsExactly(
            "onStart token=empty",
            "run 1 at 0 token=1",
            "run 2 at 3000 token=1",
            "onStop token=empty");
  }

  @Test
  void coordinatorThatThrowsCountsAsDenial() {
    coordinator.failNext = true;
    TokenService service = new TokenService(Duration.ofSeconds(1));
    engine.start(service);
    clock.advance(Duration.ofSeconds(1));
    service.stop(false);

    assertThat(log)
        .containsExactly("onStart token=empty", "run 1 at 1000 token=1", "onStop token=empty");
  }

  @Test
  void deniedZeroIntervalServiceAsksAgainAfterAShortPauseInsteadOfSpinning() {
    coordinator.script(IterationPermit.denied(), IterationPermit.denied());
    TokenService service = new TokenService(Duration.ZERO);
    engine.start(service, 1);

    assertThat(coordinator.askedAtMillis).containsExactly(0L);
    clock.advance(FixedInterval.ZERO_INTERVAL_DENIAL_RETRY.multipliedBy(2));
    assertThat(coordinator.askedAtMillis).containsExactly(0L, 100L, 200L);
    assertThat(log).contains("run 1 at 200 token=1");
  }

  @Test
  void failedJoinFailsTheStartAndStillRunsOnStop() {
    coordinator.refuseJoin = true;
    TokenService service = new TokenService(Duration.ofSeconds(1));
    LoopHandle handle = engine.start(service);

    assertThatThrownBy(handle::await)
        .isInstanceOf(LoopStartException.class)
        .hasRootCauseMessage("no seat for TokenService");
    assertThat(log).containsExactly("onStop token=empty");
    assertThat(coordinator.events).containsExactly("join TokenService");
  }

  @Test
  void permitFactoriesCheckTheirArguments() {
    assertThatThrownBy(() -> IterationPermit.deferred(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be positive: PT0S");
    assertThatThrownBy(() -> IterationPermit.denied().fencingToken())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("IterationPermit[denied]");
    assertThat(IterationPermit.granted(5)).hasToString("IterationPermit[granted, fencingToken=5]");
  }

  /** Records when it runs and which fencing token it sees. */
  /**
   * Issue 12: a coordinator that loses the right to run a service revokes the grant; the
   * iteration's thread is interrupted, and the loop takes it as the coordinator's doing, not as a
   * stop request: it goes on.
   */
  @Test
  void aRevokedIterationIsInterruptedAndTheLoopGoesOn() {
    List<IterationPermit> grants = new ArrayList<>();
    LoopCoordinator revoking =
        service ->
            new LoopCoordinator.Membership() {
              @Override
              public IterationPermit permit() {
                IterationPermit permit =
                    IterationPermit.granted(1); // on the iteration's thread, as a coordinator does
                grants.add(permit);
                return permit;
              }

              @Override
              public void iterationEnded(IterationPermit permit) {}

              @Override
              public void leave() {}
            };
    LoopEngine revokingEngine =
        LoopEngine.builder().clock(clock).executor(Runnable::run).coordinator(revoking).build();
    List<String> runs = new ArrayList<>();
    LoopService service =
        LoopService.of(
            "revoked",
            Duration.ofSeconds(1),
            () -> {
              if (runs.isEmpty()) {
                grants.get(0).revoke();
              }
              runs.add(Thread.currentThread().isInterrupted() ? "interrupted" : "ran");
            });
    List<IterationOutcome> outcomes = new ArrayList<>();
    service.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            outcomes.add(result.outcome());
          }
        });
    revokingEngine.start(service);
    clock.advance(Duration.ofMillis(2_500));

    assertThat(runs).containsExactly("interrupted", "ran", "ran");
    assertThat(outcomes)
        .containsExactly(
            IterationOutcome.LEASE_LOST, IterationOutcome.SUCCEEDED, IterationOutcome.SUCCEEDED);
    assertThat(service.isRunning()).isTrue();
    assertThat(grants.get(0).isRevoked()).isTrue();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    service.stop(false);
  }

  /**
   * Issue 13: an iteration whose work finds the lease lost before it commits (a fenced transaction
   * throws {@link LeaseLostException}, here wrapped as a framework would) ends as LEASE_LOST with
   * one WARN and no stack trace; it is no failure: no back-off, the failure count stays, and the
   * loop goes on.
   */
  @Test
  void anIterationWhoseWorkFindsTheLeaseLostEndsAsLeaseLostWithOneWarningAndNoBackoff() {
    List<IterationResult> results = new ArrayList<>();
    List<Long> startsMillis = new ArrayList<>();
    LoopService service =
        new LoopService(
            LoopOptions.builder()
                .loopInterval(Duration.ofSeconds(1))
                .backoff(Duration.ofSeconds(30), Duration.ofMinutes(10))
                .handleSignals(false)
                .build()) {
          @Override
          public String name() {
            return "fenced";
          }

          @Override
          protected void runOnce() {
            startsMillis.add(clock.elapsed().toMillis());
            if (startsMillis.size() == 1) {
              throw new IllegalStateException(
                  "commit failed",
                  new LeaseLostException("lease of fenced lost: replica b owns it under token 2"));
            }
          }
        };
    service.addListener(
        new LoopListener() {
          @Override
          public void onIterationEnd(LoopService s, IterationResult result) {
            results.add(result);
          }
        });
    coordinator.script(IterationPermit.granted(1));
    try (LogCapture log = LogCapture.services()) {
      engine.start(service);
      clock.advance(Duration.ofMillis(1_500));

      assertThat(log.messages(Level.WARN))
          .containsExactly(
              "Loop service fenced iteration 1: lease of fenced lost: replica b owns it under token 2");
      assertThat(log.events()).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }
    assertThat(results)
        .extracting(IterationResult::outcome)
        .containsExactly(IterationOutcome.LEASE_LOST, IterationOutcome.SUCCEEDED);
    assertThat(results.get(0).consecutiveFailures()).isZero();
    assertThat(startsMillis).containsExactly(0L, 1_000L); // on schedule: no back-off
    assertThat(service.isRunning()).isTrue();
    service.stop(false);
  }

  private final class TokenService extends LoopService {
    private int runs;

    TokenService(Duration interval) {
      super(interval, false);
    }

    @Override
    protected void onStart() {
      log.add("onStart token=" + describe(fencingToken()));
    }

    @Override
    protected void runOnce() {
      log.add(
          "run "
              + ++runs
              + " at "
              + clock.elapsed().toMillis()
              + " token="
              + describe(fencingToken()));
    }

    @Override
    protected void onStop() {
      log.add("onStop token=" + describe(fencingToken()));
    }

    private String describe(OptionalLong token) {
      return token.isPresent() ? Long.toString(token.getAsLong()) : "empty";
    }
  }

  /** Answers with scripted permits, then grants with token 1; records every call. */
  private final class ScriptedCoordinator implements LoopCoordinator {
    final Deque<IterationPermit> script = new ArrayDeque<>();
    final List<Long> askedAtMillis = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    boolean failNext;
    boolean refuseJoin;

    void script(IterationPermit... permits) {
      script.addAll(List.of(permits));
    }

    Runnable askAgain;

    @Override
    public Membership join(LoopService service, Duration loopInterval, Runnable askAgain) {
      this.askAgain = askAgain;
      return join(service);
    }

    @Override
    public Membership join(LoopService service) {
      events.add("join " + service.name());
      if (refuseJoin) {
        throw new IllegalStateException("no seat for " + service.name());
      }
      return new Membership() {
        @Override
        public IterationPermit permit() {
          events.add("permit");
          askedAtMillis.add(clock.elapsed().toMillis());
          if (failNext) {
            failNext = false;
            throw new IllegalStateException("coordinator down");
          }
          return script.isEmpty() ? IterationPermit.granted(1) : script.poll();
        }

        @Override
        public void iterationEnded(IterationPermit permit) {
          events.add("ended fencingToken=" + permit.fencingToken());
        }

        @Override
        public void leave() {
          events.add("leave");
        }
      };
    }
  }
}
