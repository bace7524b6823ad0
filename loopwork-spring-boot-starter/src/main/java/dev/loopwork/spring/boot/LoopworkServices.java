package dev.loopwork.spring.boot;

import dev.loopwork.LoopHandle;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import dev.loopwork.spring.boot.LoopworkProperties.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's loop services, run with the application's lifecycle: started once the context is refreshed
 * (after the web server, if any), stopped gracefully when it closes, with {@code loopwork.shutdown.timeout} for the
 * running iterations to finish. Also pauses, resumes and runs single services on an operator's request, and reports
 * their status.
 *
 * <p>Thread-safe.
 */
public class LoopworkServices implements SmartLifecycle {
  /**
   * The lifecycle phase: later than the web server's start and graceful shutdown, so services start when the
   * application serves and stop before it stops serving.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;
  private final Map<String, Managed> services;
  private final IterationHistory history = new IterationHistory();
  private volatile boolean running;

  /**
   * The given services, run on {@code runtime} with {@code properties}.
   *
   * @throws LoopworkConfigurationException if two services have names that differ only in case or punctuation,
   *     or a service is exclusive while the runtime has no database
   */
  public LoopworkServices(LoopworkRuntime runtime, LoopworkProperties properties,
      Collection<? extends LoopService> services) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.properties = Objects.requireNonNull(properties, "properties");
    this.services = new LinkedHashMap<>();
    Map<String, String> relaxed = new LinkedHashMap<>();
    for (LoopService service : services) {
      String previous = relaxed.put(LoopworkProperties.relaxedName(service.name()), service.name());
      if (previous != null) {
        throw new LoopworkConfigurationException("Loop services \"" + previous + "\" and \"" + service.name()
            + "\" have the same name once case and punctuation are ignored, as loopwork.services.<name> keys are;"
            + " give one of them another name()");
      }
      Optional<Service> settings = properties.service(service.name());
      this.services.put(service.name(), new Managed(service, settings.map(Service::isEnabled).orElse(true),
          coordination(service, settings)));
      service.addListener(history);
    }
    for (String key : properties.getServices().keySet()) {
      if (!relaxed.containsKey(LoopworkProperties.relaxedName(key))) {
        LOG.warn("loopwork.services.{} is configured but no LoopService bean has that name; known services: {}",
            key, this.services.keySet());
      }
    }
  }

  private Coordination coordination(LoopService service, Optional<Service> settings) {
    Coordination configured = settings.map(Service::getCoordination).orElse(null);
    if (configured == Coordination.EXCLUSIVE && !runtime.isCoordinated()) {
      throw new LoopworkConfigurationException("loopwork.services." + service.name() + ".coordination is exclusive,"
          + " which needs a DataSource in the application; none is configured");
    }
    if (configured != null) {
      return configured;
    }
    return runtime.isCoordinated() ? Coordination.EXCLUSIVE : Coordination.EVERY_REPLICA;
  }

  /** Starts every enabled service that is not paused. */
  @Override
  public void start() {
    running = true;
    int started = 0;
    for (Managed managed : services.values()) {
      if (managed.enabled && !managed.paused) {
        managed.start();
        started++;
      }
    }
    LOG.info("Started {} loop service(s) of {}{}", started, services.size(),
        runtime.isCoordinated() ? ", coordinated as replica " + runtime.replicaId() : "");
  }

  /**
   * Stops every service gracefully: running iterations finish, waiting at most {@code loopwork.shutdown.timeout}
   * for all of them together, and exclusive services release their leases. Services still running after that are
   * named in a WARN and left to end by themselves.
   */
  @Override
  public void stop() {
    running = false;
    List<Managed> active = new ArrayList<>();
    for (Managed managed : services.values()) {
      if (managed.requestStop()) {
        active.add(managed);
      }
    }
    long deadline = System.nanoTime() + properties.getShutdown().getTimeout().toNanos();
    List<String> stragglers = new ArrayList<>();
    for (Managed managed : active) {
      if (!managed.awaitStopped(deadline)) {
        stragglers.add(managed.service.toString());
      }
    }
    if (!stragglers.isEmpty()) {
      LOG.warn("Loop services still running after loopwork.shutdown.timeout of {}: {}; their iterations go on until "
          + "they return", properties.getShutdown().getTimeout(), stragglers);
    }
    LOG.info("Stopped {} loop service(s)", active.size() - stragglers.size());
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

  /** The service named {@code name}, if the application has one. */
  public Optional<LoopService> service(String name) {
    return Optional.ofNullable(services.get(name)).map(m -> m.service);
  }

  /**
   * Stops {@code name} here gracefully and keeps it stopped until {@link #resume}; an exclusive service then runs on
   * another replica, if there is one. Waits for the running iteration at most {@code loopwork.shutdown.timeout}.
   *
   * @return whether the service was running
   * @throws IllegalArgumentException if there is no such service
   */
  public boolean pause(String name) {
    Managed managed = require(name);
    managed.paused = true;
    boolean wasRunning = managed.requestStop();
    managed.awaitStopped(System.nanoTime() + properties.getShutdown().getTimeout().toNanos());
    LOG.info("Loop service {} paused by request", name);
    return wasRunning;
  }

  /**
   * Lets {@code name} run again after {@link #pause}; starts it if the application is running and it is enabled.
   *
   * @return whether the service was started
   * @throws IllegalArgumentException if there is no such service
   */
  public boolean resume(String name) {
    Managed managed = require(name);
    managed.paused = false;
    if (!running || !managed.enabled || managed.service.isRunning()) {
      return false;
    }
    managed.start();
    LOG.info("Loop service {} resumed by request", name);
    return true;
  }

  /**
   * Runs one extra iteration of {@code name} now. A service running here gets it without a change to its schedule
   * ({@link LoopService#runNow()}; an exclusive service only where this instance holds its lease). A paused or
   * stopped service runs one iteration here, outside its lease and schedule, and this method waits for it at most
   * {@code loopwork.shutdown.timeout}.
   *
   * @return the status after the request
   * @throws IllegalArgumentException if there is no such service
   * @throws IllegalStateException if the service was never started here
   */
  public LoopServiceStatus runOnce(String name) throws InterruptedException {
    Managed managed = require(name);
    if (managed.service.runNow()) {
      LOG.info("Loop service {}: one extra iteration by request", name);
      return status(managed, readLeases());
    }
    if (managed.service.state() == LoopState.NEW) {
      throw new IllegalStateException("Loop service " + name + " was never started here (enabled: "
          + managed.enabled + "); only a started, paused or stopped service can be run once by request");
    }
    LOG.info("Loop service {}: running one iteration by request", name);
    runtime.runOnce(managed.service).await(properties.getShutdown().getTimeout());
    return status(managed, readLeases());
  }

  /** The status of every service; owners are read from the lease table when there is one. */
  public List<LoopServiceStatus> statuses() {
    return statuses(readLeases());
  }

  /** The status of every service, with owners from {@code leases}. */
  List<LoopServiceStatus> statuses(Map<String, LeaseTable.Lease> leases) {
    List<LoopServiceStatus> result = new ArrayList<>(services.size());
    for (Managed managed : services.values()) {
      result.add(status(managed, leases));
    }
    return result;
  }

  /** The status of {@code name}, or empty if there is no such service. */
  public Optional<LoopServiceStatus> status(String name) {
    return Optional.ofNullable(services.get(name)).map(m -> status(m, readLeases()));
  }

  /** The lease time-to-live, which health compares the time without an owner against; empty without a database. */
  public Optional<Duration> leaseTtl() {
    return runtime.leaseTtl();
  }

  /**
   * When this replica last started running {@code name}, or {@code null} if it does not run it now: the earliest
   * moment from which the service can have been without an owner as far as this replica knows.
   */
  Instant runningSince(String name) {
    Managed managed = services.get(name);
    return managed == null || !managed.service.isRunning() ? null : managed.startedAt;
  }

  /**
   * Who holds each lease now; empty without a database.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the lease table cannot be read
   */
  Map<String, LeaseTable.Lease> leases() {
    return runtime.leases();
  }

  private Map<String, LeaseTable.Lease> readLeases() {
    try {
      return runtime.leases();
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the leases for the status of the loop services", e);
      return Map.of();
    }
  }

  private LoopServiceStatus status(Managed managed, Map<String, LeaseTable.Lease> leases) {
    LoopService service = managed.service;
    boolean active = service.isRunning();
    String owner;
    if (managed.coordination == Coordination.EVERY_REPLICA) {
      owner = active ? runtime.replicaId() : null;
    } else {
      LeaseTable.Lease lease = leases.get(service.name());
      owner = lease == null ? null : lease.owner();
    }
    boolean ownedHere = active && runtime.replicaId().equals(owner);
    IterationHistory.Last last = history.of(service.name());
    LoopOptions options = new ServiceOptionsOverride(properties).optionsOf(service);
    Duration interval = options.loopInterval().orElseGet(service::loopInterval);
    String nextRun = ownedHere && last != null ? last.startedAt().plus(interval).toString() : null;
    return new LoopServiceStatus(service.name(), managed.enabled, managed.paused, service.state(),
        managed.coordination, interval.toString(), options.iterationTimeout().map(Duration::toString)
        .orElse(null), owner, ownedHere, last == null ? null : last.startedAt().toString(),
        last == null ? null : last.outcome().name().toLowerCase(Locale.ROOT),
        last == null ? null : last.duration().toString(), nextRun, last == null ? 0 : last.consecutiveFailures(),
        last == null ? null : last.error());
  }

  private Managed require(String name) {
    Managed managed = services.get(name);
    if (managed == null) {
      throw new IllegalArgumentException("No loop service named \"" + name + "\"; known services: "
          + services.keySet());
    }
    return managed;
  }

  /** One service and how this application runs it. */
  private final class Managed {
    final LoopService service;
    final boolean enabled;
    final Coordination coordination;
    volatile boolean paused;
    volatile LoopHandle handle;
    volatile Instant startedAt;

    Managed(LoopService service, boolean enabled, Coordination coordination) {
      this.service = service;
      this.enabled = enabled;
      this.coordination = coordination;
    }

    synchronized void start() {
      startedAt = Instant.now();
      handle = runtime.start(service, coordination);
    }

    /** Requests a stop; returns whether a run was in progress. */
    synchronized boolean requestStop() {
      LoopHandle current = handle;
      if (current == null || current.isDone()) {
        return false;
      }
      current.stop();
      return true;
    }

    /** Waits for the run to end until {@code deadlineNanos}; returns whether it has ended. */
    boolean awaitStopped(long deadlineNanos) {
      LoopHandle current = handle;
      if (current == null) {
        return true;
      }
      try {
        return current.await(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return current.isDone();
      } catch (RuntimeException | Error e) {
        // The run failed; its failure was logged by the engine and shows as the FAILED state.
        return true;
      }
    }
  }
}
