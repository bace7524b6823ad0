package dev.loopwork.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The one process-wide handler of SIGINT and SIGTERM. A signal runs the stop action of every
 * registered run, on the JVM's signal thread: a stop action only asks (the shutdown work of the
 * runs goes to their executor). When none is registered, or when a second signal arrives while the
 * first is still stopping them, the signal goes on to the handler that was there before (the JVM's
 * own: exit).
 */
public final class SignalRelay {
  private static final Logger LOG = LoggerFactory.getLogger(SignalRelay.class);
  private static final String[] SIGNALS = {"INT", "TERM"};

  private static final Set<Registration> registered = new LinkedHashSet<>();
  private static final List<Installed> installed = new ArrayList<>();
  private static boolean stopping;

  private SignalRelay() {}

  /**
   * Registers a stop action of one run until the returned registration is closed; see {@link
   * #register(IntSupplier, Runnable)}.
   */
  public static Registration register(Runnable stopAction) {
    return register(() -> 1, stopAction);
  }

  /**
   * Registers a stop action until the returned registration is closed; installs the handler on
   * first use. The action must return quickly: it runs on the signal thread, one after another with
   * the other registrations' actions. {@code runs} tells how many runs the action stops at the
   * moment of a signal (those not ended yet), which the signal's log line counts.
   */
  public static Registration register(IntSupplier runs, Runnable stopAction) {
    synchronized (SignalRelay.class) {
      installOnce();
      Registration registration = new Registration(runs, stopAction);
      registered.add(registration);
      return registration;
    }
  }

  private static void installOnce() {
    if (!installed.isEmpty()) {
      return;
    }
    for (String name : SIGNALS) {
      Signal signal = new Signal(name);
      try {
        SignalHandler previous = Signal.handle(signal, SignalRelay::onSignal);
        installed.add(new Installed(signal, previous));
      } catch (IllegalArgumentException e) {
        LOG.debug("Cannot handle SIG{} in this JVM; it keeps its default behaviour", name, e);
      }
    }
  }

  private static void onSignal(Signal signal) {
    List<Registration> targets;
    synchronized (SignalRelay.class) {
      if (registered.isEmpty() || stopping) {
        targets = null;
      } else {
        stopping = true;
        targets = new ArrayList<>(registered);
      }
    }
    if (targets == null) {
      passOn(signal);
      return;
    }
    LOG.info(
        "Received SIG{}: stopping {} loop service run(s) gracefully; send it again to exit at once",
        signal.getName(),
        targets.stream().mapToInt(r -> r.runs.getAsInt()).sum());
    for (Registration registration : targets) {
      try {
        registration.stopAction.run();
      } catch (RuntimeException | Error e) {
        LOG.error(
            "A loop service's stop request failed on SIG{}; stopping the others",
            signal.getName(),
            e);
      }
    }
  }

  private static void passOn(Signal signal) {
    SignalHandler previous = null;
    synchronized (SignalRelay.class) {
      for (Installed i : installed) {
        if (i.signal.getNumber() == signal.getNumber()) {
          previous = i.previous;
        }
      }
    }
    if (previous == SignalHandler.SIG_IGN) {
      return;
    }
    if (previous == null || previous == SignalHandler.SIG_DFL) {
      Signal.handle(signal, SignalHandler.SIG_DFL);
      Signal.raise(signal);
      return;
    }
    previous.handle(signal);
  }

  private record Installed(Signal signal, SignalHandler previous) {}

  /** A registered stop action; closing it unregisters it. Idempotent. */
  public static final class Registration implements AutoCloseable {
    private final IntSupplier runs;
    private final Runnable stopAction;

    private Registration(IntSupplier runs, Runnable stopAction) {
      this.runs = runs;
      this.stopAction = stopAction;
    }

    @Override
    public void close() {
      synchronized (SignalRelay.class) {
        registered.remove(this);
        if (registered.isEmpty()) {
          stopping = false;
        }
      }
    }
  }
}
