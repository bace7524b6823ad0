package dev.loopwork.micrometer;

import dev.loopwork.LoopBody;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.test.ManualClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A loop service whose iterations follow a script, one step per iteration; once the script is used
 * up, iterations succeed at once. Steps that take time advance the manual clock from inside the
 * iteration, which is how a test makes an iteration slow, overrun its interval or pass its timeout
 * without real waiting.
 */
final class ScriptedService extends LoopService {
  static final Duration INTERVAL = Duration.ofSeconds(10);
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final String name;
  private final ManualClock clock;
  private final Deque<LoopBody> steps = new ArrayDeque<>();

  /** A service with the {@link #INTERVAL} and the {@link #TIMEOUT}. */
  ScriptedService(String name, ManualClock clock) {
    this(name, clock, TIMEOUT);
  }

  /**
   * A service with the {@link #INTERVAL} and the given iteration timeout ({@code null} for none).
   */
  ScriptedService(String name, ManualClock clock, Duration timeout) {
    super(
        LoopOptions.builder()
            .loopInterval(INTERVAL)
            .iterationTimeout(timeout)
            .handleSignals(false)
            .build());
    this.name = name;
    this.clock = clock;
  }

  @Override
  public String name() {
    return name;
  }

  /** An iteration that succeeds after {@code duration}. */
  ScriptedService succeedAfter(Duration duration) {
    steps.add(() -> clock.advance(duration));
    return this;
  }

  /** An iteration that throws at once. */
  ScriptedService fail() {
    steps.add(
        () -> {
          throw new IllegalStateException("scripted failure");
        });
    return this;
  }

  /** An iteration that runs {@code duration}, past the timeout, and is interrupted on the way. */
  ScriptedService timeOutAfter(Duration duration) {
    Duration timeout =
        options().iterationTimeout().orElseThrow(() -> new IllegalStateException("no timeout set"));
    if (duration.compareTo(timeout) <= 0) {
      throw new IllegalArgumentException(
          "duration must exceed the timeout " + timeout + ": " + duration);
    }
    return succeedAfter(duration);
  }

  /** An iteration that throws an Error, which ends the run in state FAILED. */
  ScriptedService failFatally() {
    steps.add(
        () -> {
          throw new AssertionError("scripted fatal error");
        });
    return this;
  }

  @Override
  protected void runOnce() throws Exception {
    LoopBody step = steps.poll();
    if (step != null) {
      step.runOnce();
    }
  }
}
