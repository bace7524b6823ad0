package dev.loopwork.bench;

import com.google.common.util.concurrent.AbstractScheduledService;
import com.google.common.util.concurrent.ServiceManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Guava's {@link AbstractScheduledService}, one per body, under one {@link ServiceManager};
 * fixed-rate or fixed-delay. Each service runs on its own single-thread executor (Guava's default),
 * so a process can hold only as many services as it can hold threads: starts are capped at {@link
 * #THREAD_CAP} to keep the shared machine safe.
 */
final class GuavaServicePeer implements Peer {
  /**
   * The most services (one platform thread each) a benchmark process may start. A trial at 15,000
   * did not finish starting within 4 minutes and drove the shared machine's load average into the
   * thousands.
   */
  static final int THREAD_CAP = 10_000;

  private final boolean fixedRate;
  private ServiceManager manager;

  GuavaServicePeer(boolean fixedRate) {
    this.fixedRate = fixedRate;
  }

  @Override
  public String id() {
    return fixedRate ? "guava-rate" : "guava-delay";
  }

  @Override
  public void start(List<Runnable> bodies, Duration interval) {
    if (bodies.size() > THREAD_CAP) {
      throw new IllegalArgumentException(
          "bodies must number at most " + THREAD_CAP + ": " + bodies.size());
    }
    if (manager != null) {
      throw new IllegalStateException(
          "Peer " + id() + " is already running a group; call stopAll() first");
    }
    Duration period = interval.isZero() ? PeriodicTasks.SMALLEST_PERIOD : interval;
    List<AbstractScheduledService> services = new ArrayList<>(bodies.size());
    for (Runnable body : bodies) {
      services.add(new BodyService("svc-" + services.size(), body, schedule(period)));
    }
    manager = new ServiceManager(services);
    manager.startAsync().awaitHealthy();
  }

  private AbstractScheduledService.Scheduler schedule(Duration period) {
    return fixedRate
        ? AbstractScheduledService.Scheduler.newFixedRateSchedule(Duration.ZERO, period)
        : AbstractScheduledService.Scheduler.newFixedDelaySchedule(Duration.ZERO, period);
  }

  @Override
  public void stopAll() {
    if (manager != null) {
      manager.stopAsync().awaitStopped();
      manager = null;
    }
  }

  @Override
  public int maxServices() {
    return THREAD_CAP;
  }

  @Override
  public String limitReason() {
    return String.format(
        Locale.ROOT,
        "one platform thread per service; capped at %,d threads so that the shared "
            + "machine (kernel pid_max %,d, vm.max_map_count %,d) keeps room for other processes",
        THREAD_CAP,
        ProcessProbe.kernelSetting("kernel/pid_max"),
        ProcessProbe.kernelSetting("vm/max_map_count"));
  }

  @Override
  public List<String> threadNamePrefixes() {
    return List.of("svc-");
  }

  @Override
  public void close() {
    stopAll();
  }

  private static final class BodyService extends AbstractScheduledService {
    private final String name;
    private final Runnable body;
    private final Scheduler scheduler;

    BodyService(String name, Runnable body, Scheduler scheduler) {
      this.name = name;
      this.body = body;
      this.scheduler = scheduler;
    }

    @Override
    protected void runOneIteration() {
      body.run();
    }

    @Override
    protected Scheduler scheduler() {
      return scheduler;
    }

    @Override
    protected String serviceName() {
      return name;
    }
  }
}
