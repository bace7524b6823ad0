package dev.loopwork;

import dev.loopwork.test.ManualClock;
import java.time.Instant;

/** A clock that reads and arms a {@link ManualClock}; tests override what they change. */
class DelegatingClock implements LoopClock {
  final ManualClock delegate;

  DelegatingClock(ManualClock delegate) {
    this.delegate = delegate;
  }

  @Override
  public long nanoTime() {
    return delegate.nanoTime();
  }

  @Override
  public Instant instant() {
    return delegate.instant();
  }

  @Override
  public Timer newTimer(Runnable action) {
    return delegate.newTimer(action);
  }
}
