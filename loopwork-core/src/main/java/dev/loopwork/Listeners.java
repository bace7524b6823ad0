package dev.loopwork;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The listeners of one run, notified safely: a listener that throws is logged and ignored. */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private static final Listeners NONE = new Listeners(new LoopListener[0]);

  private final LoopListener[] all;

  private Listeners(LoopListener[] all) {
    this.all = all;
  }

  /** The engine's listeners, then the service's. */
  static Listeners of(List<LoopListener> engineListeners, List<LoopListener> serviceListeners) {
    if (engineListeners.isEmpty() && serviceListeners.isEmpty()) {
      return NONE;
    }
    List<LoopListener> combined = new ArrayList<>(engineListeners);
    combined.addAll(serviceListeners);
    return new Listeners(combined.toArray(new LoopListener[0]));
  }

  boolean isEmpty() {
    return all.length == 0;
  }

  void stateChanged(LoopService service, LoopState from, LoopState to) {
    if (all.length > 0) {
      notifyAll("onStateChange", service, l -> l.onStateChange(service, from, to));
    }
  }

  void iterationStarted(LoopService service, long iteration) {
    if (all.length > 0) {
      notifyAll("onIterationStart", service, l -> l.onIterationStart(service, iteration));
    }
  }

  void iterationEnded(LoopService service, IterationResult result) {
    notifyAll("onIterationEnd", service, l -> l.onIterationEnd(service, result));
  }

  void iterationSkipped(LoopService service, String reason) {
    notifyAll("onIterationSkipped", service, l -> l.onIterationSkipped(service, reason));
  }

  private void notifyAll(String callback, LoopService service, Consumer<LoopListener> call) {
    for (LoopListener listener : all) {
      try {
        call.accept(listener);
      } catch (Throwable t) {
        LOG.warn(
            "Listener {} failed in {} for loop service {}; ignoring it",
            listener,
            callback,
            service.name(),
            t);
      }
    }
  }
}
