package dev.loopwork.cli;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.ServiceControls;
import dev.loopwork.jdbc.ServiceControls.Control;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The host's own service, on every replica, every second: publishes this replica's {@link
 * StatusBoard} to the status table, reads the pause flags into the {@link FleetCoordinator}, and
 * takes the run-once requests of the services it runs (an exclusive service's request is taken by
 * the replica that holds its lease): the service runs one extra iteration at once, or right after
 * its current one, paused or not ({@link FleetCoordinator#runNow}).
 */
final class FleetSync extends LoopService {
  /** The service's name, never shown among the services. */
  static final String NAME = "loopwork-host-sync";

  /** How often it runs. */
  static final Duration INTERVAL = Duration.ofSeconds(1);

  private final String replica;
  private final StatusBoard board;
  private final StatusTable status;
  private final ServiceControls control;
  private final FleetCoordinator coordinator;
  private final Map<String, LoopService> services;
  private final Set<String> everyReplica;
  private final Runnable announce;
  private final BooleanSupplier databaseReachable;
  private volatile Set<String> heldLeases = Set.of();

  FleetSync(
      String replica,
      StatusBoard board,
      StatusTable status,
      ServiceControls control,
      FleetCoordinator coordinator,
      Map<String, LoopService> services,
      Set<String> everyReplica,
      Runnable announce,
      BooleanSupplier databaseReachable) {
    super(LoopOptions.builder().loopInterval(INTERVAL).handleSignals(false).build());
    this.replica = replica;
    this.board = board;
    this.status = status;
    this.control = control;
    this.coordinator = coordinator;
    this.services = Map.copyOf(services);
    this.everyReplica = Set.copyOf(everyReplica);
    this.announce = announce;
    this.databaseReachable = databaseReachable;
  }

  /**
   * Announces that the host runs. The engine has registered its signal handler by now, so that an
   * operator (or a script) who waits for this line before sending SIGTERM gets a graceful stop.
   */
  @Override
  protected void onStart() {
    announce.run();
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Whether this replica held the lease of {@code service} at the last sync: 1 or 0, for the leases
   * gauge.
   */
  int leaseHeld(String service) {
    return heldLeases.contains(service) ? 1 : 0;
  }

  @Override
  protected void runOnce() {
    if (!databaseReachable.getAsBoolean()) {
      return; // an outage, which the runtime logs once; the sync resumes when the database answers
    }
    try {
      sync();
    } catch (DatabaseException e) {
      if (!DatabaseException.isConnectionFailure(e)) {
        throw e;
      }
      logger()
          .debug(
              "{}: the database does not answer ({}); trying again in {}",
              NAME,
              e.getMessage(),
              INTERVAL);
    }
  }

  private void sync() {
    heldLeases = new HashSet<>(status.leasesOf(replica));
    Map<String, Control> controls = control.readAll();
    Set<String> paused =
        controls.entrySet().stream()
            .filter(e -> e.getValue().paused())
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    for (String name : services.keySet()) {
      if (paused.contains(name) != coordinator.isPaused(name)) {
        logger()
            .info(
                paused.contains(name)
                    ? "{} is paused: its iterations are held back until it is resumed"
                    : "{} is resumed",
                name);
      }
    }
    coordinator.setPaused(paused);
    controls.forEach(
        (name, c) -> {
          boolean mine = everyReplica.contains(name) || heldLeases.contains(name);
          if (c.runOnceRequested() && services.containsKey(name) && mine) {
            runNow(services.get(name));
          }
        });
    status.publish(replica, board.snapshot());
  }

  /**
   * Asks for the requested iteration; the request is claimed when it gets its permit (see
   * FleetCoordinator).
   */
  private void runNow(LoopService service) {
    String name = service.name();
    if (coordinator.runNow(service, () -> claimed(name))) {
      logger().debug("One iteration of {} asked for, as requested", name);
    } else {
      logger()
          .warn(
              "A run-once of {} was requested, but it is {} here; nothing runs",
              name,
              service.state());
    }
  }

  private boolean claimed(String name) {
    boolean claimed = control.claimRunOnce(name);
    if (claimed) {
      logger().info("Running one iteration of {} now, as requested", name);
    }
    return claimed;
  }
}
