package dev.loopwork.bench;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Loopwork through its non-blocking path: {@link LoopEngine#start(LoopService)} on the default
 * engine (its shared worker threads, which also wait for the timers; the same on every JDK), or on
 * an engine whose iterations run on virtual threads ({@code loopwork-virtual}). Signal handling is
 * off, as no other peer handles signals. Stop requests a stop of every handle, then awaits each.
 */
final class LoopworkPeer implements Peer {
  private final String id;
  private final LoopEngine engine;
  private final List<LoopHandle> handles = new ArrayList<>();

  /** Loopwork's default engine. */
  LoopworkPeer() {
    this("loopwork", LoopEngine.defaultEngine());
  }

  private LoopworkPeer(String id, LoopEngine engine) {
    this.id = id;
    this.engine = engine;
  }

  /** An engine whose iterations run each on a new virtual thread (Java 21 and later). */
  static LoopworkPeer onVirtualThreads() {
    return new LoopworkPeer(
        "loopwork-virtual", LoopEngine.builder().executor(virtualThreadPerTask()).build());
  }

  private static Executor virtualThreadPerTask() {
    try {
      // Called reflectively: the benchmark compiles for Java 17.
      return (Executor) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          "loopwork-virtual needs Java 21 or later; this is " + Runtime.version(), e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot create a virtual-thread executor", e);
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public void start(List<Runnable> bodies, Duration interval) {
    LoopOptions options = LoopOptions.builder().loopInterval(interval).handleSignals(false).build();
    for (Runnable body : bodies) {
      handles.add(engine.start(LoopService.of("svc-" + handles.size(), options, body::run)));
    }
  }

  @Override
  public void stopAll() {
    Interrupts.runUninterruptibly(() -> engine.stopAll(handles));
    handles.clear();
  }

  @Override
  public List<String> threadNamePrefixes() {
    return List.of("loopwork-", "ForkJoinPool");
  }

  @Override
  public void close() {
    stopAll();
  }
}
