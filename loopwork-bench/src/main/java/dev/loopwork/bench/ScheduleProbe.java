package dev.loopwork.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;

/**
 * The body of one service in the scale benchmark: counts its first run, then records the period
 * error of each later start (how far the time since the previous start lies from the interval) in a
 * histogram shared by all services, in microseconds. One instance per service; its runs never
 * overlap, so its own field needs no synchronisation.
 */
final class ScheduleProbe implements Runnable {
  private final long intervalNanos;
  private final AtomicHistogram periodErrorMicros;
  private final CountDownLatch firstRuns;
  private final LongAdder iterations;
  private long previous = Long.MIN_VALUE;

  ScheduleProbe(
      long intervalNanos,
      AtomicHistogram periodErrorMicros,
      CountDownLatch firstRuns,
      LongAdder iterations) {
    this.intervalNanos = intervalNanos;
    this.periodErrorMicros = periodErrorMicros;
    this.firstRuns = firstRuns;
    this.iterations = iterations;
  }

  @Override
  public void run() {
    long now = System.nanoTime();
    iterations.increment();
    long last = previous;
    previous = now;
    if (last == Long.MIN_VALUE) {
      firstRuns.countDown();
      return;
    }
    long errorMicros = Math.abs(now - last - intervalNanos) / 1000;
    periodErrorMicros.recordValue(
        Math.min(errorMicros, periodErrorMicros.getHighestTrackableValue()));
  }
}
