package dev.loopwork.internal;

import dev.loopwork.LoopClock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timers on {@link System#nanoTime()} with one daemon thread for all of them. A binary heap of re-armable entries:
 * arming or cancelling is O(log n) and allocates nothing, so 100,000 services that each wait one second create no
 * garbage that lives as long as their wait (which would be the costliest kind for a generational collector). The
 * thread sleeps until the earliest deadline; due timers are taken in one pass and run outside the lock.
 */
final class TimerQueue {
  private static final Logger LOG = LoggerFactory.getLogger(TimerQueue.class);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition headChanged = lock.newCondition();
  private Entry[] heap = new Entry[64];
  private int size;

  TimerQueue(String threadName) {
    Thread thread = DaemonThreads.named(threadName).newThread(this::runTimers);
    thread.start();
  }

  /** A new, unarmed timer. */
  LoopClock.Timer newTimer(Runnable action) {
    return new Entry(action);
  }

  private void runTimers() {
    List<Entry> due = new ArrayList<>();
    while (true) {
      takeDue(due);
      for (Entry entry : due) {
        try {
          entry.action.run();
        } catch (Throwable t) {
          LOG.error("A timer action failed; the timer thread goes on", t);
        }
      }
      due.clear();
    }
  }

  /** Waits until at least one timer is due, then moves every due timer into {@code due}. */
  private void takeDue(List<Entry> due) {
    lock.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        while (size > 0 && heap[0].deadline - now <= 0) {
          due.add(removeAt(0));
        }
        if (!due.isEmpty()) {
          return;
        }
        if (size == 0) {
          headChanged.awaitUninterruptibly();
        } else {
          awaitNanosUninterruptibly(heap[0].deadline - now);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Nothing interrupts the timer thread on purpose; if something does, it goes on serving the timers. */
  private void awaitNanosUninterruptibly(long nanos) {
    try {
      headChanged.awaitNanos(nanos);
    } catch (InterruptedException e) {
      Thread.interrupted();
    }
  }

  private void arm(Entry entry, long deadline) {
    lock.lock();
    try {
      if (entry.index >= 0) {
        removeAt(entry.index);
      }
      entry.deadline = deadline;
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      entry.index = size;
      heap[size++] = entry;
      siftUp(entry.index);
      if (heap[0] == entry) {
        headChanged.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean disarm(Entry entry) {
    lock.lock();
    try {
      if (entry.index < 0) {
        return false;
      }
      removeAt(entry.index);
      return true;
    } finally {
      lock.unlock();
    }
  }

  private Entry removeAt(int index) {
    Entry removed = heap[index];
    Entry last = heap[--size];
    heap[size] = null;
    removed.index = -1;
    if (index < size) {
      heap[index] = last;
      last.index = index;
      siftDown(index);
      if (heap[index] == last) {
        siftUp(index);
      }
    }
    return removed;
  }

  private void siftUp(int index) {
    Entry entry = heap[index];
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      Entry above = heap[parent];
      if (above.deadline - entry.deadline <= 0) {
        break;
      }
      place(above, index);
      index = parent;
    }
    place(entry, index);
  }

  private void siftDown(int index) {
    Entry entry = heap[index];
    int half = size >>> 1;
    while (index < half) {
      int child = 2 * index + 1;
      int right = child + 1;
      if (right < size && heap[right].deadline - heap[child].deadline < 0) {
        child = right;
      }
      if (entry.deadline - heap[child].deadline <= 0) {
        break;
      }
      place(heap[child], index);
      index = child;
    }
    place(entry, index);
  }

  private void place(Entry entry, int index) {
    heap[index] = entry;
    entry.index = index;
  }

  /** One timer; its fields are guarded by the queue's lock. */
  private final class Entry implements LoopClock.Timer {
    final Runnable action;
    long deadline;
    int index = -1;

    Entry(Runnable action) {
      this.action = action;
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
