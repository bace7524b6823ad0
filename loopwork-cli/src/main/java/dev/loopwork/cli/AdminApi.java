package dev.loopwork.cli;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.ServiceControls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * What the admin HTTP endpoint serves, apart from HTTP: health, metrics, the fleet's services,
 * control.
 */
final class AdminApi {
  private final Database database;
  private final StatusBoard board;
  private final StatusTable status;
  private final FleetControl control;
  private final RunHistory history;
  private final PrometheusMeterRegistry registry;

  /**
   * How many iterations of a service the dashboard shows at most: its chart and its detail view.
   */
  static final int RECENT_RUNS = 50;

  AdminApi(
      Database database,
      StatusBoard board,
      StatusTable status,
      ServiceControls control,
      PrometheusMeterRegistry registry) {
    this.database = database;
    this.board = board;
    this.status = status;
    this.control = new FleetControl(status, control);
    this.history = RunHistory.of(database);
    this.registry = registry;
  }

  /**
   * Readiness: the database answers within a second and every enabled service of this replica is
   * running.
   *
   * @return the checks, by name, and whether each passed
   */
  Map<String, Boolean> readiness() {
    boolean databaseUp;
    try (Connection c = database.connection()) {
      databaseUp = c.isValid(1);
    } catch (SQLException e) {
      databaseUp = false;
    }
    return Map.of("database", databaseUp, "services", board.allRunning());
  }

  /** The Prometheus text format of every meter. */
  String metrics() {
    return registry.scrape();
  }

  /** The services of the fleet, as {@code services ls} shows them. */
  List<ServiceRow> services() {
    return status.fleet();
  }

  /**
   * One iteration in the journal, as the dashboard shows it.
   *
   * @param startedAt when it started, ISO-8601
   * @param durationMs how long it took
   * @param outcome SUCCEEDED, FAILED, TIMED_OUT or LEASE_LOST
   * @param replica the replica that ran it
   * @param fencingToken the fencing token of the lease it ran under, or null (every-replica)
   * @param error its error as the journal keeps it, or null
   */
  record RecentRun(
      String startedAt,
      double durationMs,
      String outcome,
      String replica,
      Long fencingToken,
      String error) {}

  /** The last {@value #RECENT_RUNS} iterations of {@code service} in the journal, oldest first. */
  List<RecentRun> runs(String service) {
    return history.recent(service, RECENT_RUNS).stream()
        .map(
            run ->
                new RecentRun(
                    run.startedAt().toString(),
                    run.duration().toNanos() / 1e6,
                    run.outcome().name(),
                    run.replicaId(),
                    run.fencingToken(),
                    run.error()))
        .toList();
  }

  /** The live replicas of the fleet, with the leases each holds. */
  List<ReplicaRow> replicas() {
    return status.replicas();
  }

  /**
   * Applies {@code action} to {@code service}.
   *
   * @throws FleetControl.UnknownServiceException if no one runs such a service
   * @throws FleetControl.RefusedException if the service takes no such request
   */
  void apply(FleetControl.Action action, String service) {
    control.apply(action, service, board.snapshot().stream().map(s -> s.listing().name()).toList());
  }
}
