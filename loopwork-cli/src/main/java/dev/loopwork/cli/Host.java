package dev.loopwork.cli;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.cli.HostConfig.Coordination;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.ControlSync;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.FleetGate;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.LastSuccesses;
import dev.loopwork.micrometer.FleetView;
import dev.loopwork.micrometer.LoopMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code loopwork run}: connects to the database, creates the tables, starts every enabled service
 * of the configuration with Loopwork's own maintenance services, serves the admin HTTP endpoint,
 * and runs until SIGINT or SIGTERM; then current iterations finish, the leases are released and the
 * journal is written.
 */
final class Host {
  /** The journal pruner of loopwork-jdbc, listed among the services. */
  static final String PRUNER = "loopwork-journal-pruner";

  /**
   * Connections beyond one per service: leases, journal, status sync, admin requests and the
   * journal pruner, so that services that start at the same moment never wait for a connection.
   */
  private static final int HOST_CONNECTIONS = 5;

  private static final Logger LOG = LoggerFactory.getLogger(Host.class);

  private final HostConfig config;

  Host(HostConfig config) {
    this.config = config;
  }

  /**
   * Runs until a signal stops the services; returns when everything is closed.
   *
   * @throws ConfigException if a {@code class} service cannot be made (nothing has started then)
   * @throws dev.loopwork.jdbc.DatabaseException if the database cannot be reached
   */
  void run() throws InterruptedException, IOException {
    try (ServiceFactory factory = new ServiceFactory(config)) {
      List<LoopService> services = factory.create(config.enabledServices(), true);
      try (Database database = config.openDatabase(services.size() + HOST_CONNECTIONS)) {
        HostSchema.create(database);
        run(database, services);
      }
    }
  }

  private void run(Database database, List<LoopService> services)
      throws InterruptedException, IOException {
    String replica = config.replica().orElseGet(Host::defaultReplica);
    Set<String> everyReplica =
        config.services().stream()
            .filter(s -> s.coordination() == Coordination.EVERY_REPLICA)
            .map(ServiceSpec::name)
            .collect(Collectors.toSet());
    everyReplica.add(HostPresence.NAME);
    StatusBoard board = new StatusBoard(Clock.systemUTC());
    config
        .services()
        .forEach(
            s ->
                board.list(
                    new StatusBoard.Listing(
                        s.name(),
                        s.kind().name().toLowerCase(Locale.ROOT),
                        s.coordination().text(),
                        s.enabled(),
                        s.schedule())));
    board.list(
        new StatusBoard.Listing(
            PRUNER,
            "built-in",
            Coordination.EXCLUSIVE.text(),
            true,
            new ScheduleSpec.Interval(JdbcLoopRuntime.DEFAULT_PRUNE_INTERVAL)));
    StatusTable status = new StatusTable(database);
    StatusPublisher publisher = new StatusPublisher(replica, board, status);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FleetGate[] gate = new FleetGate[1];
    JdbcLoopRuntime[] built = new JdbcLoopRuntime[1]; // the metrics see it once it exists
    LastSuccesses lastSuccesses = LastSuccesses.of(database);
    LoopMetrics metrics =
        LoopMetrics.builder()
            .leasesHeld(publisher::leaseHeld)
            .fleetView(
                FleetView.of(
                    service -> built[0] == null || built[0].runsHere(service),
                    lastSuccesses::timeSince))
            .build();
    metrics.bindTo(registry);
    List<String> names = services.stream().map(LoopService::name).toList();
    LoopEngine.Builder engine =
        LoopEngine.builder().listener(board).listener(metrics).listener(new ShutdownLog(names));
    HostTracing tracing =
        config
            .tracingEndpoint()
            .map(endpoint -> HostTracing.export(endpoint, replica))
            .orElse(null);
    if (tracing != null) {
      engine.listener(tracing.observations());
      LOG.info(
          "Replica {} exports a span of every iteration to {}",
          replica,
          HostTracing.shown(config.tracingEndpoint().get()));
    }
    try (JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(database)
            .replicaId(replica)
            .engine(engine)
            .decorateCoordinator(leases -> gate[0] = new FleetGate(leases))
            .build()) {
      built[0] = runtime;
      everyReplica.forEach(gate[0]::runOnEveryReplica);
      ControlSync sync = new ControlSync(runtime, gate[0], publisher);
      AdminServer admin =
          config.admin().enabled()
              ? AdminServer.start(
                  config.admin(), new AdminApi(database, board, status, sync.controls(), registry))
              : null;
      HostPresence presence =
          new HostPresence(
              sync,
              () ->
                  LOG.info(
                      "Replica {} runs {} service(s) on {}: {}{}",
                      replica,
                      services.size(),
                      database,
                      names,
                      admin == null ? "" : "; admin HTTP and dashboard on " + admin.url()));
      List<LoopService> all = new ArrayList<>(services);
      all.add(presence);
      try {
        runtime.runAll(all);
        LOG.info(
            "Replica {}: every service has stopped; releasing leases and writing the journal",
            replica);
      } finally {
        if (admin != null) {
          admin.stop();
        }
      }
    } finally {
      removeStatus(status, replica);
      metrics.close();
      if (tracing != null) {
        tracing.close();
      }
    }
  }

  private static void removeStatus(StatusTable status, String replica) {
    try {
      status.remove(replica);
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not remove replica {} from the status table; its rows expire in {}: {}",
          replica,
          StatusTable.STALE_AFTER,
          e.getMessage());
    }
  }

  private static String defaultReplica() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    String id = host + "-" + ProcessHandle.current().pid();
    return id.length() > 100 ? id.substring(id.length() - 100) : id;
  }
}
