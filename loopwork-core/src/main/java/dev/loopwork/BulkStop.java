package dev.loopwork;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops many runs at once. Drainers take the runs one by one from a shared list, set each one's
 * stop flag and, if it was waiting for its next iteration, end it there ({@code onStop}, listeners,
 * coordinator release). One drainer does it while it makes progress, since on a few cores one
 * thread ends 100,000 runs faster than several that compete for them; whenever it has taken no run
 * for a {@link #STALL_CHECK_NANOS check period} (an {@code onStop} blocks), another drainer starts
 * on the executor, and so on. So a slow {@code onStop} holds up no other run for longer than a
 * check period, and an {@code onStop} that throws skips no other: each run's shutdown is isolated.
 * A run in an iteration ends when the iteration returns, on its own thread.
 */
final class BulkStop implements Runnable {
  /** How long the drainers may take no run before another one starts. */
  static final long STALL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private static final Logger LOG = LoggerFactory.getLogger(BulkStop.class);

  private final List<? extends LoopHandle> runs;
  private final Executor executor;
  private final LoopClock clock;
  private final LoopClock.Timer stallCheck;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger endedByDrainers = new AtomicInteger();
  private int takenAtCheck; // read and written by the stall check only, one at a time

  private BulkStop(List<? extends LoopHandle> runs, Executor executor, LoopClock clock) {
    this.runs = runs;
    this.executor = executor;
    this.clock = clock;
    this.stallCheck = clock.newTimer(this::checkProgress);
  }

  /**
   * Stops the runs of {@code handles}, with drainers on {@code executor} and stall checks on {@code
   * clock} (a run's shutdown may run on any thread, as {@code stop()} runs it on the caller's, so
   * runs of other engines need no drainers of their own). With {@code callerHelps} this thread is
   * the first drainer (it would otherwise only wait) and returns when every run has been taken;
   * without (a signal handler), the first drainer runs on the executor and this returns at once.
   * Returns whether every run has ended by then (so that a caller that waits for the ends need not
   * look at each run again).
   */
  static boolean stop(
      List<? extends LoopHandle> handles, Executor executor, LoopClock clock, boolean callerHelps) {
    if (handles.size() == 1 && callerHelps) {
      return stopOne(handles.get(0)); // nothing to isolate it from, and no stall check to arm
    }
    if (handles.isEmpty()) {
      return true;
    }
    BulkStop stop = new BulkStop(handles, executor, clock);
    stop.start(callerHelps);
    return stop.endedByDrainers.get() == handles.size();
  }

  private void start(boolean callerHelps) {
    stallCheck.schedule(clock.nanoTime() + STALL_CHECK_NANOS);
    if (callerHelps || !addDrainer()) {
      run();
    }
  }

  /**
   * Starts another drainer if none took a run since the last check, and checks again later while
   * runs are left.
   */
  private void checkProgress() {
    int taken = next.get();
    if (taken >= runs.size()) {
      return;
    }
    if (taken == takenAtCheck) {
      addDrainer();
    }
    takenAtCheck = taken;
    stallCheck.schedule(clock.nanoTime() + STALL_CHECK_NANOS);
  }

  private boolean addDrainer() {
    try {
      executor.execute(this);
      return true;
    } catch (RuntimeException rejected) {
      LOG.warn(
          "The executor refused a Loopwork stop task; the runs are ended by the drainers already running",
          rejected);
      return false;
    }
  }

  /** One drainer: takes runs until none is left. */
  @Override
  public void run() {
    int index;
    int ended = 0;
    while ((index = next.getAndIncrement()) < runs.size()) {
      if (stopOne(runs.get(index))) {
        ended++;
      }
    }
    endedByDrainers.addAndGet(ended);
    stallCheck.cancel(); // every run is taken (a check armed after this finds none left and stops)
  }

  /**
   * Stops one run; returns whether it ended here (it was waiting, and its shutdown ran on this
   * thread).
   */
  private static boolean stopOne(LoopHandle handle) {
    try {
      if (handle instanceof LoopRun) {
        return ((LoopRun) handle).requestStop();
      }
      handle.stop();
    } catch (RuntimeException | Error e) {
      LOG.error("Ending loop service {} failed; ending the others", handle.service().name(), e);
    }
    return false;
  }
}
