package dev.loopwork.cli;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.ServiceControls;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pauses, resumes and runs services across the fleet by writing loopwork-jdbc's {@link
 * ServiceControls}, for {@code loopwork services pause|resume|run-once} and the admin API. Replicas
 * act on them within a second.
 */
final class FleetControl {
  private final StatusTable status;
  private final ServiceControls control;

  FleetControl(Database database, String writer) {
    this(new StatusTable(database), ServiceControls.of(database, writer));
  }

  FleetControl(StatusTable status, ServiceControls control) {
    this.status = status;
    this.control = control;
  }

  /** What an operator can ask of a service. */
  enum Action {
    PAUSE,
    RESUME,
    RUN_ONCE;

    /** The spelling in commands and URLs: {@code pause}, {@code resume}, {@code run-once}. */
    String text() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The action spelled {@code text}, or null. */
    static Action of(String text) {
      for (Action a : values()) {
        if (a.text().equals(text)) {
          return a;
        }
      }
      return null;
    }
  }

  /**
   * Applies {@code action} to {@code service}, which must be run by a live replica or be one of
   * {@code alsoKnown} (the services of a configuration, which may not have started yet).
   *
   * @throws UnknownServiceException if no one knows the service
   * @throws RefusedException for a run-once of the journal pruner, which would wait for its slot
   */
  void apply(Action action, String service, Collection<String> alsoKnown) {
    if (action == Action.RUN_ONCE && service.equals(Host.PRUNER)) {
      // Its lease's first start keeps the fleet's schedule, up to an interval after a replica took
      // it; the request would wait for that slot, unlike any other service's.
      throw new RefusedException(
          Host.PRUNER
              + " is Loopwork's built-in journal pruner and takes no run-once requests: it runs"
              + " every "
              + DurationText.format(JdbcLoopRuntime.DEFAULT_PRUNE_INTERVAL)
              + " at its slot on the replica that holds its lease; pause and resume work");
    }
    Set<String> known = new TreeSet<>(alsoKnown);
    status.fleet().forEach(row -> known.add(row.name()));
    if (!known.contains(service)) {
      throw new UnknownServiceException(service, known);
    }
    switch (action) {
      case PAUSE -> control.setPaused(service, true);
      case RESUME -> control.setPaused(service, false);
      case RUN_ONCE -> control.requestRunOnce(service);
      default -> throw new IllegalArgumentException("action: " + action);
    }
  }

  /** A request that the fleet does not take; the message says why. */
  static class RefusedException extends dev.loopwork.LoopworkException {
    private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message);
    }
  }

  /** No live replica runs a service of that name, and the configuration has none. */
  static final class UnknownServiceException extends RefusedException {
    private static final long serialVersionUID = 1L;

    UnknownServiceException(String service, Set<String> known) {
      super(
          "No service named \""
              + service
              + "\" runs on a live replica or is in the configuration"
              + (known.isEmpty() ? "" : "; known services: " + String.join(", ", known)));
    }
  }
}
