package dev.loopwork.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The threads behind the default engine: tasks, re-armable timers, and growth while work blocks.
 */
class WorkerPoolTest {
  // One base thread, so that timer actions run one after another in deadline order.
  private final WorkerPool queue = new WorkerPool(1, "worker-pool-test");

  @Test
  void timersFireInDeadlineOrderAndCancelledOnesNever() {
    List<Long> fired = new CopyOnWriteArrayList<>();
    List<LoopClock.Timer> timers = new ArrayList<>();
    long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    Random random = new Random(42);
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      long deadline = base + random.nextInt(100_000_000);
      LoopClock.Timer timer = exactTimer(queue, () -> fired.add(deadline));
      timer.schedule(deadline);
      timers.add(timer);
      if (i % 2 == 0) {
        expected.add(deadline);
      }
    }
    for (int i = 1; i < timers.size(); i += 2) {
      assertThat(timers.get(i).cancel()).isTrue();
      assertThat(timers.get(i).cancel()).isFalse();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> fired.size() >= expected.size());
    expected.sort(Long::compare);
    assertThat(fired).containsExactlyElementsOf(expected);
  }

  @Test
  void rearmingMovesTheDeadlineAndAFiredTimerCannotBeCancelled() {
    List<Long> firedAt = new CopyOnWriteArrayList<>();
    LoopClock.Timer timer = exactTimer(queue, () -> firedAt.add(System.nanoTime()));
    timer.schedule(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    timer.schedule(deadline);
    await().atMost(Duration.ofSeconds(10)).until(() -> firedAt.size() == 1);
    assertThat(firedAt.get(0)).isGreaterThanOrEqualTo(deadline);
    assertThat(timer.cancel()).isFalse();
    timer.schedule(System.nanoTime());
    await().atMost(Duration.ofSeconds(10)).until(() -> firedAt.size() == 2);
  }

  @Test
  void aFailingActionDoesNotStopItsThread() {
    List<String> fired = new CopyOnWriteArrayList<>();
    exactTimer(
            queue,
            () -> {
              throw new IllegalStateException("bug in an action");
            })
        .schedule(System.nanoTime());
    exactTimer(queue, () -> fired.add("after"))
        .schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> fired.contains("after"));
  }

  @Test
  void cancellingMostTimersLeavesTheOthersAndAReArmedOneFiresAgain() {
    List<Integer> fired = new CopyOnWriteArrayList<>();
    List<LoopClock.Timer> timers = new ArrayList<>();
    long base = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    for (int i = 0; i < 10_000; i++) {
      int id = i;
      LoopClock.Timer timer = exactTimer(queue, () -> fired.add(id));
      timer.schedule(base + i * 10_000L);
      timers.add(timer);
    }
    for (int i = 0; i < timers.size(); i++) {
      if (i % 10 != 0) {
        assertThat(timers.get(i).cancel()).isTrue(); // nine in ten: the heap is purged on the way
      }
    }
    timers.get(1).schedule(base + 200_000_000L);
    await().atMost(Duration.ofSeconds(30)).until(() -> fired.size() >= 1_001);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < timers.size(); i += 10) {
      expected.add(i);
    }
    expected.add(1);
    assertThat(fired).containsExactlyElementsOf(expected);
  }

  /**
   * Timers cancelled in bulk (a stop of many services) leave the heap in one purge once the
   * cancelling pauses.
   */
  @Test
  void cancelledTimersArePurgedFromTheHeapOnceCancellingPauses() {
    List<LoopClock.Timer> timers = new ArrayList<>();
    long later =
        System.nanoTime()
            + TimeUnit.HOURS.toNanos(1); // never reach the top of the heap in this test
    for (int i = 0; i < 10_000; i++) {
      LoopClock.Timer timer = exactTimer(queue, () -> {});
      timer.schedule(later + i);
      timers.add(timer);
    }
    for (int i = 0; i < timers.size(); i++) {
      if (i % 10 != 0) {
        timers.get(i).cancel();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> queue.heapSlots() == 1_000);
    timers.forEach(LoopClock.Timer::cancel);
  }

  @Test
  void timerActionsRunOnTheWorkerThreadThatWaitedForThem() {
    List<String> threads = new CopyOnWriteArrayList<>();
    exactTimer(queue, () -> threads.add(Thread.currentThread().getName()))
        .schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5));
    await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 1);
    assertThat(threads.get(0)).startsWith("worker-pool-test-worker");
  }

  /**
   * Two timers whose leeways overlap fire on one wake-up, at the first one's latest time, neither
   * before its deadline.
   */
  @Test
  void timersDueWithinTheirLeewaysShareOneWakeUp() {
    long[] firedAt = new long[2];
    AtomicInteger count = new AtomicInteger();
    long first = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long second = first + TimeUnit.MILLISECONDS.toNanos(40);
    long leeway = TimeUnit.MILLISECONDS.toNanos(60);
    queue
        .newTimer(() -> firedAt[count.getAndIncrement()] = System.nanoTime(), leeway)
        .schedule(first);
    queue
        .newTimer(() -> firedAt[count.getAndIncrement()] = System.nanoTime(), leeway)
        .schedule(second);
    await().atMost(Duration.ofSeconds(10)).until(() -> count.get() == 2);
    assertThat(firedAt[0]).isGreaterThanOrEqualTo(first);
    assertThat(firedAt[1]).isGreaterThanOrEqualTo(second);
    // Exact timers would fire 40 ms apart; sharing a wake-up, the second runs right after the
    // first.
    assertThat(firedAt[1] - firedAt[0]).isLessThan(TimeUnit.MILLISECONDS.toNanos(25));
  }

  /**
   * The pool wakes for the earliest latest time, not the earliest deadline: a large leeway delays
   * no other timer.
   */
  @Test
  void aTimerWithLittleLeewayIsNotHeldBackByAnEarlierOneWithMuch() {
    List<String> fired = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    long relaxedDeadline = start + TimeUnit.MILLISECONDS.toNanos(50);
    long exactDeadline = start + TimeUnit.MILLISECONDS.toNanos(100);
    long[] exactFiredAt = new long[1];
    queue
        .newTimer(() -> fired.add("relaxed"), TimeUnit.SECONDS.toNanos(2))
        .schedule(relaxedDeadline);
    exactTimer(
            queue,
            () -> {
              exactFiredAt[0] = System.nanoTime();
              fired.add("exact");
            })
        .schedule(exactDeadline);
    await().atMost(Duration.ofSeconds(10)).until(() -> fired.contains("exact"));
    assertThat(exactFiredAt[0] - exactDeadline).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(1_000));
  }

  @Test
  void growsWhileEveryThreadIsBlockedAndWorkWaits() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger blockedInside = new AtomicInteger();
    try {
      for (int i = 0; i < 3; i++) {
        queue.execute(
            () -> {
              blockedInside.incrementAndGet();
              awaitQuietly(release);
            });
      }
      List<String> fired = new CopyOnWriteArrayList<>();
      exactTimer(queue, () -> fired.add("timer")).schedule(System.nanoTime());
      queue.execute(() -> fired.add("task"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> blockedInside.get() == 3 && fired.size() == 2);
      assertThat(queue.threadCount()).isGreaterThanOrEqualTo(4);
    } finally {
      release.countDown();
    }
  }

  /**
   * The stall of issue 11: every base thread blocks, a surplus thread runs a short task and then
   * retires as idle. The retiring thread was the only free one, so the watchdog must watch again;
   * before the fix it slept on and the timer below never fired.
   */
  @Test
  void aRetiringThreadLeavesTheWatchdogWatchingWhileTheOthersBlock() throws InterruptedException {
    WorkerPool pool = new WorkerPool(1, "retire-test", TimeUnit.MILLISECONDS.toNanos(50));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    try {
      pool.execute(
          () -> {
            blocked.countDown();
            awaitQuietly(release);
          });
      blocked.await();
      List<String> fired = new CopyOnWriteArrayList<>();
      pool.execute(() -> fired.add("on the added thread"));
      await().atMost(Duration.ofSeconds(10)).until(() -> fired.size() == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pool.threadCount() == 1); // the surplus thread retired

      exactTimer(pool, () -> fired.add("due after the retirement")).schedule(System.nanoTime());
      pool.execute(() -> fired.add("submitted after the retirement"));
      await().atMost(Duration.ofSeconds(10)).until(() -> fired.size() == 3);
    } finally {
      release.countDown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A timer without leeway: it fires as soon as its deadline comes. */
  private static LoopClock.Timer exactTimer(WorkerPool pool, Runnable action) {
    return pool.newTimer(action, 0);
  }
}
