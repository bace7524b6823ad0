package dev.loopwork.cli;

import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;

/**
 * Passes every event to {@code target} except the state changes of one-shot runs: a run-once iteration starts and
 * stops a short-lived service of the same name, which must not make the real service look stopped.
 */
final class OneShotFilter implements LoopListener {
  private final LoopListener target;
  private final FleetCoordinator coordinator;

  OneShotFilter(LoopListener target, FleetCoordinator coordinator) {
    this.target = target;
    this.coordinator = coordinator;
  }

  @Override
  public void onStateChange(LoopService service, LoopState from, LoopState to) {
    if (!coordinator.isOneShot(service)) {
      target.onStateChange(service, from, to);
    }
  }

  @Override
  public void onIterationStart(LoopService service, long iteration) {
    target.onIterationStart(service, iteration);
  }

  @Override
  public void onIterationEnd(LoopService service, IterationResult result) {
    target.onIterationEnd(service, result);
  }
}
