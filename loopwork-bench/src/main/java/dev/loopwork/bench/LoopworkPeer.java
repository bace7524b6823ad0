package dev.loopwork.bench;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopwork through its non-blocking path: {@link LoopEngine#start(LoopService)} on the default engine (one timer
 * thread; a cached daemon pool on Java 17, a virtual thread per iteration on Java 21+). Signal handling is off, as
 * no other peer handles signals. Stop requests a stop of every handle, then awaits each.
 */
final class LoopworkPeer implements Peer {
  private final List<LoopHandle> handles = new ArrayList<>();

  @Override
  public String id() {
    return "loopwork";
  }

  @Override
  public void start(List<Runnable> bodies, Duration interval) {
    LoopOptions options = LoopOptions.builder().loopInterval(interval).handleSignals(false).build();
    LoopEngine engine = LoopEngine.defaultEngine();
    for (Runnable body : bodies) {
      handles.add(engine.start(LoopService.of("svc-" + handles.size(), options, body::run)));
    }
  }

  @Override
  public void stopAll() {
    handles.forEach(LoopHandle::stop);
    for (LoopHandle handle : handles) {
      Interrupts.runUninterruptibly(handle::await);
    }
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
