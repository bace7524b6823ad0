package dev.loopwork.bench;

import java.time.Duration;
import java.util.List;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Spring's {@link ThreadPoolTaskScheduler} with one thread per core, every service a {@code
 * scheduleAtFixedRate} task; stop as for the shared executor (cancel, then wait for a run in
 * progress).
 */
final class SpringSchedulerPeer implements Peer {
  private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
  private final PeriodicTasks tasks = new PeriodicTasks();

  SpringSchedulerPeer() {
    scheduler.setPoolSize(Runtime.getRuntime().availableProcessors());
    scheduler.setThreadNamePrefix("spring-");
    scheduler.setDaemon(true);
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.initialize();
  }

  @Override
  public String id() {
    return "spring";
  }

  @Override
  public void start(List<Runnable> bodies, Duration interval) {
    tasks.scheduleAll(bodies, interval, scheduler::scheduleAtFixedRate);
  }

  @Override
  public void stopAll() {
    tasks.stopAll();
  }

  @Override
  public List<String> threadNamePrefixes() {
    return List.of("spring-");
  }

  @Override
  public void close() {
    stopAll();
    scheduler.shutdown();
  }
}
