package dev.loopwork.test;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.List;

/** Engines for deterministic tests of loop services. */
public final class LoopTesting {
  private LoopTesting() {}

  /**
   * An engine on {@code clock} that runs hooks and iterations on the calling thread: {@code
   * engine.start(service)} runs {@code onStart} and the first iteration before it returns, and
   * {@link ManualClock#advance} runs every iteration that falls due. Nothing runs in the
   * background, so a test needs no waiting at all.
   */
  public static LoopEngine engine(ManualClock clock, LoopListener... listeners) {
    LoopEngine.Builder builder = LoopEngine.builder().clock(clock).executor(Runnable::run);
    for (LoopListener listener : listeners) {
      builder.listener(listener);
    }
    return builder.build();
  }

  /**
   * Runs {@code iterations} iterations of {@code service} on a {@link ManualClock}, on the calling
   * thread, and returns what each did, in order (outcome, error, duration on the manual clock,
   * which moves only between iterations). Its hooks run too: {@code onStart} before the first,
   * {@code onStop} after the last. No real time passes: a service with a one-hour interval runs ten
   * iterations in milliseconds.
   *
   * <pre>{@code
   * List<IterationResult> runs = LoopTesting.run(new ExpireSessions(dataSource), 3);
   * assertThat(runs).allMatch(r -> r.outcome() == IterationOutcome.SUCCEEDED);
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code iterations < 1}
   * @throws IllegalStateException if the service is already running
   * @throws dev.loopwork.LoopStartException if its {@code onStart} fails (then no iteration runs)
   * @throws Error a fatal {@link Error} that one of its iterations threw, which ends the loop
   */
  public static List<IterationResult> run(LoopService service, long iterations) {
    ManualClock clock = new ManualClock();
    RecordingListener recorder = new RecordingListener();
    LoopHandle handle = engine(clock, recorder).start(service, iterations);
    while (service.isRunning()) {
      Duration untilNext =
          clock
              .untilNextTimer()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          service.name() + " is running but waits for nothing on the clock"));
      clock.advance(untilNext);
    }
    try {
      handle.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + service.name(), e);
    }
    return recorder.iterations();
  }
}
