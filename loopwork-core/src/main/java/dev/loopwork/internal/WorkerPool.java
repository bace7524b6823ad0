package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loopwork's threads. They run submitted tasks and the actions of timers, and they wait for the
 * timers themselves: one thread at a time (the leader) sleeps until the earliest deadline, the
 * others until there is work. So a timer whose deadline arrives runs its action on the thread that
 * waited for it, with no hand-off to another thread, and a pool with nothing due never wakes.
 *
 * <p>A timer may have a leeway: its action runs no earlier than its deadline and no later than
 * deadline plus leeway, and the heap is ordered by that latest time. The leader sleeps until the
 * earliest latest time and, once awake, runs every timer at the top of the heap whose deadline has
 * come, so timers due close together share one wake-up instead of one each.
 *
 * <p>Timers are re-armable entries in a binary heap: arming one is O(log n), cancelling one O(1)
 * without a lock, and neither allocates, so 100,000 services that each wait one second make no
 * garbage that lives as long as their wait, and stopping them all costs little. The heap is three
 * arrays (entry, deadline, generation per slot) and sifting reads and writes only them, never the
 * entry objects: at 100,000 timers that is most of the cost of a wake-up. An entry does not know
 * its slot; re-arming it leaves the old slot behind, dead by its generation, and dead slots
 * (re-armed or cancelled) are dropped when they reach the top of the heap or in a purge.
 *
 * <p>The pool grows when its work blocks: while every thread is busy and a task or a due timer
 * waits, a watchdog checks every {@link #CHECK_PERIOD_NANOS} and adds a thread whenever no task
 * completed since the previous check (every thread is stuck in a long iteration, say a slow query),
 * so slow services never hold up the others for long. Threads above the base size leave after
 * {@link #KEEP_ALIVE_NANOS} without work.
 */
final class WorkerPool implements Executor {
  static final long CHECK_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final int MAX_THREADS = 10_000;

  /**
   * Fewer cancelled timers than this are never purged at once, only dropped as they reach the top
   * of the heap.
   */
  static final int PURGE_MIN = 1_024;

  /**
   * How long cancelling must pause before a purge runs: stopping many services cancels their timers
   * one after another, and a purge in the middle would hold the lock and a core while the stop goes
   * on (and then run again).
   */
  static final long PURGE_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final int IDLE = 0;
  private static final int ARMED = 1;
  private static final int CANCELLED = 2;
  private static final AtomicIntegerFieldUpdater<Entry> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Entry.class, "state");
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  private final int baseThreads;
  private final long keepAliveNanos;
  private final ThreadFactory threadFactory;
  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled when there is work for a waiting thread, or the earliest deadline moved. */
  private final Condition work = lock.newCondition();

  /** Signalled when every thread has become busy while the watchdog was parked. */
  private final Condition watch = lock.newCondition();

  // Guarded by lock.
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private Entry[] heap = new Entry[64];
  // The latest time of heap[i] (deadline plus leeway), and the entry's generation when it was put
  // there (the slot is
  // dead once the entry has been armed again).
  private long[] deadlines = new long[64];
  private int[] generations = new int[64];
  private int size;
  private Thread leader;
  private int threads;
  private int busy;
  private long completed;

  // Dead slots still in the heap (an estimate: cancelling counts without the lock), whether a purge
  // of them is
  // pending, the timer that runs it once cancelling has paused, and the count when that timer was
  // last armed.
  private final AtomicInteger cancelled = new AtomicInteger();
  private final AtomicBoolean purgePending = new AtomicBoolean();
  private final Entry purgeTimer = new Entry(this::purgeWhenQuiet, 0);
  private int cancelledAtPurgeCheck; // guarded by lock
  private boolean watchdogParked;

  /**
   * A pool of {@code baseThreads} threads named {@code name-worker...}, started now, and its
   * watchdog.
   */
  WorkerPool(int baseThreads, String name) {
    this(baseThreads, name, KEEP_ALIVE_NANOS);
  }

  /**
   * As {@link #WorkerPool(int, String)}, with threads above the base size leaving after {@code
   * keepAliveNanos}.
   */
  WorkerPool(int baseThreads, String name, long keepAliveNanos) {
    this.baseThreads = baseThreads;
    this.keepAliveNanos = keepAliveNanos;
    this.threadFactory = DaemonThreads.named(name + "-worker");
    lock.lock();
    try {
      // Started now: in a fresh JVM the first threads cost milliseconds of one-time set-up, which
      // would otherwise
      // delay the first timers that fall due.
      for (int i = 0; i < baseThreads; i++) {
        addThread();
      }
    } finally {
      lock.unlock();
    }
    DaemonThreads.named(name + "-watchdog").newThread(this::watchProgress).start();
  }

  @Override
  public void execute(Runnable task) {
    lock.lock();
    try {
      tasks.addLast(task);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A new, unarmed timer whose action runs on this pool's threads, no earlier than its deadline
   * and, if a thread is free, no later than {@code leewayNanos} (at most about 2 s) after it.
   */
  LoopClock.Timer newTimer(Runnable action, long leewayNanos) {
    if (leewayNanos < 0) {
      throw new IllegalArgumentException("leewayNanos must not be negative: " + leewayNanos);
    }
    return new Entry(action, leewayNanos);
  }

  /** The number of slots in the timer heap now, dead ones included (for tests). */
  int heapSlots() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  /** The number of threads the pool has now. */
  int threadCount() {
    lock.lock();
    try {
      return threads;
    } finally {
      lock.unlock();
    }
  }

  private void runWorker() {
    boolean ranOne = false;
    Runnable task;
    while ((task = take(ranOne)) != null) {
      try {
        task.run();
      } catch (Throwable t) {
        LOG.error("A Loopwork task failed; its worker thread goes on", t);
      }
      Thread.interrupted(); // a task's interrupt never reaches the next task
      ranOne = true;
    }
  }

  /**
   * The next task or due timer action, waiting for one; null when this thread is above the base
   * size and has had nothing to do for the keep-alive time (it then leaves the pool).
   */
  private Runnable take(boolean ranOne) {
    lock.lock();
    try {
      if (ranOne) {
        busy--;
        completed++;
      }
      long idleSince = 0; // read only by a thread above the base size, on its first idle wait
      while (true) {
        long now = System.nanoTime();
        Runnable next = tasks.pollFirst();
        Entry head = head();
        if (next == null && head != null && deadlines[0] - head.leeway - now <= 0) {
          removeHead();
          if (STATE.compareAndSet(head, ARMED, IDLE)) {
            next = head.action;
          } else {
            dropCancelled(head); // cancelled just now, without the lock
          }
          head = head();
        }
        if (next != null) {
          busy++;
          wakeWatchdogIfAllBusy();
          if (leader == null && (head != null || !tasks.isEmpty())) {
            work.signal(); // someone else watches the heap now
          }
          return next;
        }
        if (leader == null && head != null) {
          Thread self = Thread.currentThread();
          leader = self;
          try {
            awaitNanos(work, deadlines[0] - now);
          } finally {
            if (leader == self) {
              leader = null;
            }
          }
        } else if (threads > baseThreads) {
          if (idleSince == 0) {
            idleSince = now;
          }
          long left = idleSince + keepAliveNanos - now;
          if (left <= 0) {
            threads--;
            wakeWatchdogIfAllBusy(); // this may have been the only free thread
            return null;
          }
          awaitNanos(work, left);
        } else {
          work.awaitUninterruptibly();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Every change that can leave no thread free (one more busy, one fewer in all) goes through here,
   * so that the watchdog never sleeps while work may wait for a thread that does not come.
   */
  private void wakeWatchdogIfAllBusy() {
    if (busy >= threads && watchdogParked) {
      watch.signal();
    }
  }

  /**
   * The watchdog: while every thread is busy, checks once a check period whether work waits and no
   * task completed since the previous check, and adds a thread if so. Sleeps without timeout while
   * some thread is free.
   */
  private void watchProgress() {
    lock.lock();
    try {
      long completedAtCheck = completed;
      while (true) {
        if (busy < threads) {
          watchdogParked = true;
          watch.awaitUninterruptibly();
          watchdogParked = false;
        } else {
          awaitNanos(watch, CHECK_PERIOD_NANOS);
          if (busy == threads
              && completed == completedAtCheck
              && workWaits()
              && threads < MAX_THREADS) {
            tryAddThread();
          }
        }
        completedAtCheck = completed;
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean workWaits() {
    Entry head = head();
    return !tasks.isEmpty() || (head != null && deadlines[0] - System.nanoTime() <= 0);
  }

  private void tryAddThread() {
    try {
      addThread();
    } catch (OutOfMemoryError | RuntimeException e) {
      LOG.warn(
          "Cannot add a Loopwork worker thread ({} now, all busy); trying again later", threads, e);
    }
  }

  private void addThread() {
    threadFactory.newThread(this::runWorker).start();
    threads++;
  }

  /**
   * Nothing interrupts Loopwork's threads while they wait on purpose; if something does, they go on
   * waiting.
   */
  private static void awaitNanos(Condition condition, long nanos) {
    try {
      condition.awaitNanos(nanos);
    } catch (InterruptedException e) {
      Thread.interrupted();
    }
  }

  private void arm(Entry entry, long deadline) {
    lock.lock();
    try {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
        deadlines = Arrays.copyOf(deadlines, size * 2);
        generations = Arrays.copyOf(generations, size * 2);
      }
      entry.generation++; // a slot it still has is dead from now on
      place(entry, deadline + entry.leeway, entry.generation, size++);
      int slot = siftUp(size - 1);
      if (STATE.getAndSet(entry, ARMED) == ARMED) {
        cancelled
            .incrementAndGet(); // moved: its previous slot is dead (a cancelled one was counted
        // already)
      }
      if (slot == 0) {
        leader = null; // the leader waits for a later deadline: some thread must wait for this one
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the entry cancelled, without the pool's lock, and leaves it in the heap: cancelling costs
   * the same however many timers there are, and stopping many services never waits for the threads
   * that run the others. Cancelled entries are dropped when they reach the top of the heap, and all
   * at once, on a worker, when they are more than half of it and at least {@link #PURGE_MIN}, once
   * cancelling has paused for {@link #PURGE_QUIET_NANOS}: a few cancelled entries cost nothing but
   * their memory.
   */
  private boolean disarm(Entry entry) {
    if (!STATE.compareAndSet(entry, ARMED, CANCELLED)) {
      return false;
    }
    // size is read without the lock: a stale value only moves the purge a little.
    int count = cancelled.incrementAndGet();
    if (count >= PURGE_MIN && count > size / 2 && purgePending.compareAndSet(false, true)) {
      armPurgeCheck(
          count); // many cancelled at once, as in stopping many services: purge once, later
    }
    return true;
  }

  private void armPurgeCheck(int count) {
    lock.lock();
    try {
      cancelledAtPurgeCheck = count;
      arm(purgeTimer, System.nanoTime() + PURGE_QUIET_NANOS);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The purge timer's action: purges if no timer was cancelled since it was armed, else checks
   * again later.
   */
  private void purgeWhenQuiet() {
    int count = cancelled.get();
    lock.lock();
    try {
      if (count > cancelledAtPurgeCheck) {
        armPurgeCheck(count); // still cancelling
        return;
      }
      purgePending.set(false);
      purge();
    } finally {
      lock.unlock();
    }
  }

  /** The earliest live entry, after dropping the dead slots above it; null if there is none. */
  private Entry head() {
    while (size > 0 && isDead(0)) {
      Entry entry = heap[0];
      boolean current = generations[0] == entry.generation;
      removeHead();
      if (current) {
        dropCancelled(entry);
      } else {
        cancelled.decrementAndGet();
      }
    }
    return size > 0 ? heap[0] : null;
  }

  /**
   * Whether a slot no longer stands for its entry: the entry was armed again since, or cancelled.
   */
  private boolean isDead(int slot) {
    Entry entry = heap[slot];
    return generations[slot] != entry.generation || entry.state == CANCELLED;
  }

  /** Accounts for a cancelled entry whose current slot has left the heap. */
  private void dropCancelled(Entry entry) {
    entry.state = IDLE;
    cancelled.decrementAndGet();
  }

  /** Removes every cancelled entry and rebuilds the heap, in O(n). */
  private void purge() {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      Entry entry = heap[i];
      if (generations[i] != entry.generation) {
        cancelled.decrementAndGet();
      } else if (entry.state == CANCELLED) {
        dropCancelled(entry);
      } else {
        place(entry, deadlines[i], generations[i], kept++);
      }
    }
    Arrays.fill(heap, kept, size, null);
    size = kept;
    for (int i = (size >>> 1) - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  /** Removes the top slot. */
  private void removeHead() {
    int last = --size;
    if (last > 0) {
      place(heap[last], deadlines[last], generations[last], 0);
      siftDown(0);
    }
    heap[last] = null;
  }

  /** Moves the slot at {@code index} up to its place; returns where it ends. */
  private int siftUp(int index) {
    Entry entry = heap[index];
    long deadline = deadlines[index];
    int generation = generations[index];
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      if (deadlines[parent] - deadline <= 0) {
        break;
      }
      place(heap[parent], deadlines[parent], generations[parent], index);
      index = parent;
    }
    place(entry, deadline, generation, index);
    return index;
  }

  private void siftDown(int index) {
    Entry entry = heap[index];
    long deadline = deadlines[index];
    int generation = generations[index];
    int half = size >>> 1;
    while (index < half) {
      int child = 2 * index + 1;
      int right = child + 1;
      if (right < size && deadlines[right] - deadlines[child] < 0) {
        child = right;
      }
      if (deadline - deadlines[child] <= 0) {
        break;
      }
      place(heap[child], deadlines[child], generations[child], index);
      index = child;
    }
    place(entry, deadline, generation, index);
  }

  private void place(Entry entry, long deadline, int generation, int index) {
    heap[index] = entry;
    deadlines[index] = deadline;
    generations[index] = generation;
  }

  /** One timer; {@code generation} is guarded by the pool's lock. */
  private final class Entry implements LoopClock.Timer {
    final Runnable action;
    final int leeway; // nanoseconds; an int keeps the entry at 32 bytes
    int generation; // how often it was armed: tells its current slot from dead ones
    // IDLE, ARMED or CANCELLED; changed under the pool's lock, except ARMED -> CANCELLED by
    // cancel().
    volatile int state;

    Entry(Runnable action, long leeway) {
      this.action = action;
      this.leeway = (int) Math.min(leeway, Integer.MAX_VALUE);
    }

    @Override
    public void schedule(long deadlineNanos) {
      arm(this, deadlineNanos);
    }

    @Override
    public boolean cancel() {
      return disarm(this);
    }
  }
}
