package dev.loopwork.spring.boot;

import dev.loopwork.LoopService;
import dev.loopwork.jdbc.ControlSync;
import dev.loopwork.jdbc.ServiceControls;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's loop services, run with the application's lifecycle: started once the context
 * is refreshed (after the web server, if any), stopped gracefully when it closes, with {@code
 * loopwork.shutdown.timeout} for the running iterations to finish. Also pauses, resumes and runs
 * single services on an operator's request, and reports their status.
 *
 * <p>Pause, resume and run-once mean what they mean in the {@code loopwork} host (loopwork-jdbc's
 * {@link dev.loopwork.jdbc.FleetGate}): a paused service stays started, with its lease, and its
 * iterations are held back from its next due one (one running when the pause comes ends as usual);
 * a resumed service runs at once if a slot passed while it was paused, then on its interval; a
 * run-once runs one extra iteration, paused or not, without changing the schedule.
 *
 * <p><b>With a DataSource</b>, an operator's request acts on every instance of the application that
 * shares the database, through loopwork-jdbc's {@link ServiceControls}, which every instance reads
 * every {@link #CONTROL_POLL_INTERVAL} (the instance that took the request at once); a run-once
 * request is taken by exactly one instance: the one that holds the lease of an exclusive service,
 * or one that runs an every-replica service, where it runs; a request for a service that runs
 * nowhere waits for an instance that runs it. The host's {@code loopwork services
 * pause|resume|run-once} share the table. The last iteration in a status is the latest one wherever
 * it ran, read from the run journal. <b>Without a DataSource</b>, every request acts on this
 * instance only, and a run-once of a service that has stopped here runs one iteration outside its
 * schedule.
 *
 * <p>Thread-safe.
 */
public class LoopworkServices implements SmartLifecycle {
  /**
   * The lifecycle phase: later than the web server's start and graceful shutdown, so services start
   * when the application serves and stop before it stops serving.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  /**
   * How often every instance reads the shared pause flags and run-once requests, with a DataSource.
   */
  public static final Duration CONTROL_POLL_INTERVAL = ControlSync.PERIOD;

  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;

  /**
   * The services by name, in the order of their beans, then of the {@link LoopTask} methods; filled
   * before the start, read-only afterwards.
   */
  private final Map<String, ManagedService> services;

  /** Assembles {@link #statuses()}. */
  private final StatusAssembler assembler;

  /**
   * Carries out {@link #pause}, {@link #resume}, {@link #runOnce} and applies the shared controls.
   */
  private final OperatorRequests requests;

  private final IterationHistory history;

  private volatile boolean running;

  /**
   * The given services, run on {@code runtime} with {@code properties}.
   *
   * @throws LoopworkConfigurationException if two services have names that differ only in case or
   *     punctuation, a service is exclusive while the runtime has no database, or the {@code
   *     loopwork.services.<name>} properties of a service set a schedule that cannot be read (see
   *     {@link LoopworkProperties.Service#setCron})
   */
  public LoopworkServices(
      LoopworkRuntime runtime,
      LoopworkProperties properties,
      Collection<? extends LoopService> services) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.properties = Objects.requireNonNull(properties, "properties");
    this.services = new LinkedHashMap<>();
    this.history = new IterationHistory();
    this.assembler = new StatusAssembler(runtime, properties, this.services, history);
    this.requests = new OperatorRequests(runtime, properties, assembler, () -> running);
    register(services);
  }

  /**
   * Adds {@code newServices}: the constructor's, then those of {@link LoopTask} methods once every
   * bean exists; never after the start.
   */
  synchronized void register(Collection<? extends LoopService> newServices) {
    if (running) {
      throw new IllegalStateException("Loop services are registered before the start, not after");
    }
    Map<String, String> relaxed = relaxedNames();
    for (LoopService service : newServices) {
      String previous = relaxed.put(LoopworkProperties.relaxedName(service.name()), service.name());
      if (previous != null) {
        throw new LoopworkConfigurationException(
            "Loop services \""
                + previous
                + "\" and \""
                + service.name()
                + "\" have the same name once case and punctuation are ignored, as loopwork.services.<name> keys are;"
                + " give one of them another name() or @LoopTask(name)");
      }
      // A bad loopwork.services.<name> schedule fails the application's start, not the service's.
      new ServiceOptionsOverride(properties).optionsOf(service);
      this.services.put(service.name(), ManagedService.configured(service, properties, runtime));
      service.addListener(history);
    }
  }

  /** The services' names by their relaxed form (as {@code loopwork.services.<name>} keys match). */
  private Map<String, String> relaxedNames() {
    Map<String, String> relaxed = new LinkedHashMap<>();
    services.keySet().forEach(n -> relaxed.put(LoopworkProperties.relaxedName(n), n));
    return relaxed;
  }

  /** Warns of {@code loopwork.services.<name>} keys that name no service. */
  private void warnOfUnknownServiceKeys() {
    Map<String, String> relaxed = relaxedNames();
    for (String key : properties.getServices().keySet()) {
      if (!relaxed.containsKey(LoopworkProperties.relaxedName(key))) {
        LOG.warn(
            "loopwork.services.{} is configured but no loop service has that name; known services: {}",
            key,
            this.services.keySet());
      }
    }
  }

  /**
   * Starts every enabled service; those paused (with a DataSource: on any instance sharing it) hold
   * their iterations back until resumed.
   */
  @Override
  public void start() {
    warnOfUnknownServiceKeys();
    runtime.sync().ifPresent(LoopworkServices::readControlsBeforeStart);
    running = true;
    int started = 0;
    int exclusive = 0;
    for (ManagedService managed : services.values()) {
      if (managed.enabled) {
        managed.start();
        started++;
        if (managed.coordination == Coordination.EXCLUSIVE) {
          exclusive++;
        }
      }
    }
    LOG.info(
        "Started {} loop service(s) of {}{}",
        started,
        services.size(),
        runtime.isCoordinated()
            ? " as replica "
                + runtime.replicaId()
                + ": "
                + exclusive
                + " exclusive (each runs on the replica that holds its lease; this one logs each lease"
                + " it takes), "
                + (started - exclusive)
                + " on every replica"
            : "");
    runtime.sync().ifPresent(ControlSync::start);
  }

  /** Reads the shared pause flags, so that a paused service holds back its first iteration. */
  private static void readControlsBeforeStart(ControlSync sync) {
    try {
      sync.syncNow();
    } catch (RuntimeException e) {
      LOG.warn(
          "Cannot read the shared pause flags and run-once requests before starting the loop "
              + "services; they start unpaused and take the flags once the database answers: {}",
          e.toString());
    }
  }

  /**
   * Stops every service gracefully: running iterations finish, waiting at most {@code
   * loopwork.shutdown.timeout} for all of them together, and exclusive services release their
   * leases. Services still running after that are named in a WARN and left to end by themselves;
   * their leases are not released while they run (nor renewed: they expire after their TTL).
   */
  @Override
  public void stop() {
    running = false;
    runtime.sync().ifPresent(ControlSync::close);
    List<ManagedService> active = new ArrayList<>();
    for (ManagedService managed : services.values()) {
      if (managed.requestStop()) {
        active.add(managed);
      }
    }
    long deadline = ManagedService.deadlineAfter(properties.getShutdown().getTimeout());
    List<String> stragglers = new ArrayList<>();
    for (ManagedService managed : active) {
      if (!managed.awaitStopped(deadline)) {
        stragglers.add(managed.service.toString());
      }
    }
    if (!stragglers.isEmpty()) {
      LOG.warn(
          "Loop services still running after loopwork.shutdown.timeout of {}: {}; their iterations go on until "
              + "they return, and their leases stay with this instance until then",
          properties.getShutdown().getTimeout(),
          stragglers);
    }
    LOG.info(
        "Stopped {} of {} running loop service(s)",
        active.size() - stragglers.size(),
        active.size());
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** This replica's id in the lease table, or {@code "uncoordinated"} without a database. */
  public String replicaId() {
    return runtime.replicaId();
  }

  /** The names of the services, in the order of their beans. */
  public List<String> names() {
    return List.copyOf(services.keySet());
  }

  /**
   * The service named {@code name}, if the application has one: the exact name, else matched
   * ignoring case and punctuation as {@code loopwork.services.<name>} keys are.
   */
  public Optional<LoopService> service(String name) {
    return find(name).map(m -> m.service);
  }

  private Optional<ManagedService> find(String name) {
    ManagedService exact = services.get(name);
    if (exact != null) {
      return Optional.of(exact);
    }
    String wanted = LoopworkProperties.relaxedName(name);
    return services.values().stream()
        .filter(m -> LoopworkProperties.relaxedName(m.service.name()).equals(wanted))
        .findFirst();
  }

  /**
   * Holds back the iterations of {@code name} until {@link #resume}: here, and with a DataSource on
   * every instance that shares it (within {@link #CONTROL_POLL_INTERVAL}), so that an exclusive
   * service runs nowhere. The service stays started and keeps its lease; an iteration running now
   * ends as usual.
   *
   * @return whether the service runs here (its iterations are held back from now on)
   * @throws IllegalArgumentException if there is no such service
   * @throws dev.loopwork.jdbc.DatabaseException if the shared flag cannot be written
   */
  public boolean pause(String name) {
    return requests.pause(require(name));
  }

  /**
   * Lets {@code name} run again after {@link #pause}, on every instance that shares the DataSource
   * if there is one: at once if a slot passed while it was paused, then on its interval. A service
   * that has ended here (it failed) is started again if the application runs and it is enabled.
   *
   * @return whether the service runs here
   * @throws IllegalArgumentException if there is no such service
   * @throws dev.loopwork.jdbc.DatabaseException if the shared flag cannot be written
   */
  public boolean resume(String name) {
    return requests.resume(require(name));
  }

  /**
   * Runs one extra iteration of {@code name} now, paused or not, without a change to its schedule
   * ({@link LoopService#runNow()}, let through the pause).
   *
   * <p>With a DataSource the request is shared: exactly one instance runs the iteration, this one
   * if it is the one to (see the class comment), else another one within {@link
   * #CONTROL_POLL_INTERVAL}; a request that no instance may take yet (an exclusive service whose
   * lease nobody holds) waits until one may. Without one, a service that has stopped here runs one
   * iteration outside its schedule, and this method waits for it at most {@code
   * loopwork.shutdown.timeout}.
   *
   * @return the status after the request
   * @throws IllegalArgumentException if there is no such service
   * @throws IllegalStateException without a DataSource, if the service was never started here
   * @throws dev.loopwork.jdbc.DatabaseException if the shared request cannot be written
   */
  public LoopServiceStatus runOnce(String name) throws InterruptedException {
    return requests.runOnce(require(name));
  }

  /**
   * The status of every service; with a DataSource, owners come from the lease table, pause flags
   * are the shared ones and the last iteration is the latest one in the run journal or here.
   */
  public List<LoopServiceStatus> statuses() {
    return assembler.statuses(assembler.readLeases());
  }

  /** The status of every service, with owners from {@code leases}. */
  List<LoopServiceStatus> statuses(Map<String, LeaseTable.Lease> leases) {
    return assembler.statuses(leases);
  }

  /**
   * The status of {@code name} (matched as by {@link #service}), or empty if there is no such
   * service; see {@link #statuses()}.
   */
  public Optional<LoopServiceStatus> status(String name) {
    return find(name).map(assembler::status);
  }

  /**
   * The lease time-to-live, which health compares the time without an owner against; empty without
   * a database.
   */
  public Optional<Duration> leaseTtl() {
    return runtime.leaseTtl();
  }

  /**
   * When this replica last started running {@code name}, or {@code null} if it does not run it now:
   * the earliest moment from which the service can have been without an owner as far as this
   * replica knows.
   */
  Instant runningSince(String name) {
    ManagedService managed = services.get(name);
    return managed == null ? null : managed.runningSince();
  }

  /**
   * Who holds each lease now; empty without a database.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the lease table cannot be read
   */
  Map<String, LeaseTable.Lease> leases() {
    return runtime.leases();
  }

  private ManagedService require(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "No loop service named \""
                        + name
                        + "\"; known services: "
                        + services.keySet()));
  }
}
