package dev.loopwork.spring.boot;

import dev.loopwork.CalendarSchedule;
import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.cron.CronSchedule;
import dev.loopwork.jdbc.RunHistory;
import dev.loopwork.jdbc.ServiceControls;
import dev.loopwork.jdbc.ServiceControls.Control;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the {@link LoopServiceStatus} of each service: owners from the lease table (or this
 * replica for an every-replica service), pause flags from the shared controls, the last iteration
 * from the run journal or from this instance's {@link IterationHistory}, whichever is later. What
 * cannot be read from the database is left out (and logged at DEBUG), so a status is always
 * available. Thread-safe.
 */
final class StatusAssembler {
  /** The category of {@link LoopworkServices}, whose statuses these are. */
  private static final Logger LOG = LoggerFactory.getLogger(LoopworkServices.class);

  private final LoopworkRuntime runtime;
  private final LoopworkProperties properties;
  private final Map<String, ManagedService> services;
  private final IterationHistory history;

  StatusAssembler(
      LoopworkRuntime runtime,
      LoopworkProperties properties,
      Map<String, ManagedService> services,
      IterationHistory history) {
    this.runtime = runtime;
    this.properties = properties;
    this.services = services;
    this.history = history;
  }

  /**
   * The status of every service, in the order of {@code services}, with owners from {@code leases}.
   */
  List<LoopServiceStatus> statuses(Map<String, LeaseTable.Lease> leases) {
    Shared shared = readShared(leases);
    List<LoopServiceStatus> result = new ArrayList<>(services.size());
    for (ManagedService managed : services.values()) {
      result.add(status(managed, shared));
    }
    return result;
  }

  /** The status of {@code managed}, reading the database now. */
  LoopServiceStatus status(ManagedService managed) {
    return status(managed, readShared(readLeases()));
  }

  /** Who holds each lease now; empty without a database or when the lease table cannot be read. */
  Map<String, LeaseTable.Lease> readLeases() {
    try {
      return runtime.leases();
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the leases for the status of the loop services", e);
      return Map.of();
    }
  }

  /**
   * What the database says of every service: lease owners, shared pause flags, journaled last
   * iterations.
   */
  private record Shared(
      Map<String, LeaseTable.Lease> leases,
      Map<String, Control> flags,
      Map<String, RunHistory.Run> lastRuns) {}

  /**
   * {@code leases} with the shared flags and the journal, each empty when it cannot be read (or no
   * DataSource).
   */
  private Shared readShared(Map<String, LeaseTable.Lease> leases) {
    Map<String, Control> flags = Map.of();
    Map<String, RunHistory.Run> lastRuns = Map.of();
    try {
      flags = runtime.controls().map(ServiceControls::readAll).orElse(Map.of());
      lastRuns = runtime.lastRuns(services.keySet());
    } catch (RuntimeException e) {
      LOG.debug(
          "Cannot read the shared flags or the run journal for the status of the loop services", e);
    }
    return new Shared(leases, flags, lastRuns);
  }

  /** The next fire of {@code schedule} after now; {@code null} if none or it cannot be computed. */
  private static Instant nextFire(LoopService service, CalendarSchedule schedule) {
    try {
      return schedule.nextFireAfter(Instant.now());
    } catch (RuntimeException e) {
      LOG.debug("Cannot compute the next fire of {} for its status", service.name(), e);
      return null;
    }
  }

  private LoopServiceStatus status(ManagedService managed, Shared shared) {
    LoopService service = managed.service;
    boolean active = service.isRunning();
    String owner;
    if (managed.coordination == Coordination.EVERY_REPLICA) {
      owner = active ? runtime.replicaId() : null;
    } else {
      LeaseTable.Lease lease = shared.leases().get(service.name());
      owner = lease == null ? null : lease.owner();
    }
    boolean ownedHere = active && runtime.replicaId().equals(owner);
    IterationHistory.Last here = history.of(service.name());
    IterationHistory.Last last =
        IterationHistory.latest(here, shared.lastRuns().get(service.name()));
    LoopOptions options = new ServiceOptionsOverride(properties).optionsOf(service);
    CalendarSchedule schedule = options.schedule().orElse(null);
    Duration interval =
        schedule == null ? options.loopInterval().orElseGet(service::loopInterval) : null;
    Instant nextFire = schedule == null ? null : nextFire(service, schedule);
    Instant nextRun = null;
    if (ownedHere) {
      nextRun = schedule != null ? nextFire : here == null ? null : here.startedAt().plus(interval);
    }
    Control flag = shared.flags().get(service.name());
    boolean paused = flag == null ? runtime.gate().isPaused(service.name()) : flag.paused();
    return new LoopServiceStatus(
        service.name(),
        managed.enabled,
        paused,
        service.state(),
        managed.coordination,
        interval == null ? null : interval.toString(),
        schedule == null
            ? null
            : schedule instanceof CronSchedule cron
                ? cron.expression().toString()
                : schedule.description(),
        schedule instanceof CronSchedule cron ? cron.zone().getId() : null,
        options.iterationTimeout().map(Duration::toString).orElse(null),
        owner,
        ownedHere,
        last == null ? null : last.startedAt().toString(),
        last == null ? null : last.outcome().name().toLowerCase(Locale.ROOT),
        last == null ? null : last.duration().toString(),
        nextRun == null ? null : nextRun.toString(),
        nextFire == null ? null : nextFire.toString(),
        last == null ? 0 : last.consecutiveFailures(),
        last == null ? null : last.error());
  }
}
