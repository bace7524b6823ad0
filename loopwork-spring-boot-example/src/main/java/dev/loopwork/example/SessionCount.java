package dev.loopwork.example;

import dev.loopwork.spring.boot.LoopTask;
import dev.loopwork.spring.boot.LoopTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Counts the live sessions of {@code app_session}: a method service, written as a {@code Scheduled}
 * method would be, with {@link LoopTask}. Its interval comes from {@code
 * example.count-sessions-every} (5 minutes by default) and can be overridden like any service's
 * with {@code loopwork.services.count-sessions.*}.
 */
@Component
public class SessionCount {
  private static final Logger LOG = LoggerFactory.getLogger(SessionCount.class);

  private final JdbcTemplate jdbc;
  private volatile long live = -1;

  /** Counts on the application's database. */
  public SessionCount(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** One count, logged at INFO with the iteration that made it. */
  @LoopTask(
      name = "count-sessions",
      interval = "${example.count-sessions-every:5m}",
      initialDelay = "10s")
  public void count(LoopTaskContext iteration) {
    Long count =
        jdbc.queryForObject(
            "SELECT COUNT(*) FROM app_session WHERE expires_at >= CURRENT_TIMESTAMP", Long.class);
    live = count == null ? 0 : count;
    LOG.info("{} live session(s) ({})", live, iteration);
  }

  /** The live sessions at the last count; -1 before the first one. */
  public long liveSessions() {
    return live;
  }
}
