package dev.loopwork.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * db-scheduler's recurring tasks: every replica builds {@code
 * Scheduler.create(dataSource).startTasks(tasks)} with one {@code Tasks.recurring(service,
 * FixedDelay.of(interval))} per service (db-scheduler's only fixed interval schedule: the next run
 * is due an interval after the previous one ends), {@link ReplicaPeer#THREADS} threads (its
 * default), a polling interval of {@link ReplicaPeer#POLL_INTERVAL} (its default is 10 s, far
 * longer than the 1 s interval measured here), and a heartbeat every 0.5 s with a missed-heartbeats
 * limit of 4, so that the execution of a replica that died is taken over after {@link
 * ReplicaPeer#CLAIM_AFTER_CRASH}. The replica id is the scheduler name. Closing stops the
 * scheduler, which waits for running executions (at most 10 s).
 */
final class DbSchedulerReplicaPeer implements ReplicaPeer {
  private static final int MISSED_HEARTBEATS_LIMIT = 4;

  private Scheduler scheduler;

  @Override
  public String id() {
    return "db-scheduler";
  }

  @Override
  public void createTables(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      // The table and indexes of db-scheduler's postgresql_tables.sql.
      s.execute(
          "CREATE TABLE scheduled_tasks (task_name TEXT NOT NULL, task_instance TEXT NOT NULL, "
              + "task_data BYTEA, execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, "
              + "picked_by TEXT, last_success TIMESTAMP WITH TIME ZONE, last_failure TIMESTAMP WITH TIME ZONE, "
              + "consecutive_failures INT, last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, "
              + "priority SMALLINT, PRIMARY KEY (task_name, task_instance))");
      s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
      s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
      s.execute(
          "CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
    }
  }

  @Override
  public void start(
      DataSource dataSource,
      String replicaId,
      List<String> services,
      Duration interval,
      Consumer<String> body) {
    List<RecurringTask<Void>> tasks = new ArrayList<>();
    for (String service : services) {
      tasks.add(
          Tasks.recurring(service, FixedDelay.of(interval))
              .execute((instance, context) -> body.accept(service)));
    }
    scheduler =
        Scheduler.create(dataSource)
            .startTasks(tasks)
            .schedulerName(new SchedulerName.Fixed(replicaId))
            .threads(THREADS)
            .pollingInterval(POLL_INTERVAL)
            .heartbeatInterval(CLAIM_AFTER_CRASH.dividedBy(MISSED_HEARTBEATS_LIMIT))
            .missedHeartbeatsLimit(MISSED_HEARTBEATS_LIMIT)
            .shutdownMaxWait(Duration.ofSeconds(10))
            .build();
    scheduler.start();
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.stop();
      scheduler = null;
    }
  }
}
