package dev.loopwork.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * ShedLock's JDBC provider as its documentation sets it up without Spring's scheduling annotations:
 * every replica schedules every service on its own {@link ScheduledThreadPoolExecutor} ({@link
 * ReplicaPeer#THREADS} threads, {@code scheduleAtFixedRate}), and each tick runs the body through
 * {@link LockingTaskExecutor#executeWithLock} on a {@link JdbcTemplateLockProvider} with {@code
 * usingDbTime()} (the database's clock, as ShedLock recommends). A tick that finds the lock held
 * skips the run.
 *
 * <p>{@code lockAtMostFor} is {@link ReplicaPeer#CLAIM_AFTER_CRASH}: how long the lock of a replica
 * that died outlives it. {@code lockAtLeastFor} is 90 % of the interval: the replicas' schedules
 * are not in phase, so with a shorter hold another replica's tick in the same interval would run
 * the service again (ShedLock's documentation gives this as the purpose of {@code lockAtLeastFor});
 * shorter than the interval, so the lock is free again by the next tick. Closing shuts the executor
 * down and waits for running ticks, which release their locks.
 */
final class ShedLockReplicaPeer implements ReplicaPeer {
  /** The share of the interval that a run keeps the lock at least. */
  static final double LOCK_AT_LEAST_SHARE = 0.9;

  private ScheduledThreadPoolExecutor scheduler;

  @Override
  public String id() {
    return "shedlock";
  }

  @Override
  public void createTables(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      // The table of ShedLock's documentation for PostgreSQL.
      s.execute(
          "CREATE TABLE shedlock (name VARCHAR(64) NOT NULL, lock_until TIMESTAMP NOT NULL, "
              + "locked_at TIMESTAMP NOT NULL, locked_by VARCHAR(255) NOT NULL, PRIMARY KEY (name))");
    }
  }

  @Override
  public void start(
      DataSource dataSource,
      String replicaId,
      List<String> services,
      Duration interval,
      Consumer<String> body) {
    LockingTaskExecutor locking =
        new DefaultLockingTaskExecutor(
            new JdbcTemplateLockProvider(
                JdbcTemplateLockProvider.Configuration.builder()
                    .withJdbcTemplate(new JdbcTemplate(dataSource))
                    .usingDbTime()
                    .withLockedByValue(replicaId)
                    .build()));
    Duration lockAtLeastFor = Duration.ofNanos((long) (interval.toNanos() * LOCK_AT_LEAST_SHARE));
    scheduler = new ScheduledThreadPoolExecutor(THREADS, new DaemonThreadFactory("shedlock"));
    for (String service : services) {
      Runnable run = () -> body.accept(service);
      scheduler.scheduleAtFixedRate(
          () ->
              locking.executeWithLock(
                  run,
                  new LockConfiguration(Instant.now(), service, CLAIM_AFTER_CRASH, lockAtLeastFor)),
          0,
          interval.toNanos(),
          TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdown();
      Interrupts.runUninterruptibly(() -> scheduler.awaitTermination(10, TimeUnit.SECONDS));
      scheduler = null;
    }
  }
}
