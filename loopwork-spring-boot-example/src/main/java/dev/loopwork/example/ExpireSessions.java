package dev.loopwork.example;

import dev.loopwork.LoopService;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Deletes expired rows of {@code app_session} in the application's database, in batches so that no
 * statement holds locks for long. Its interval, timeout and coordination come from {@code
 * loopwork.services.expire-sessions.*}; with several replicas of the application, one of them at a
 * time runs it.
 */
@Component
public class ExpireSessions extends LoopService {
  /** The most rows one statement deletes. */
  static final int BATCH = 1_000;

  private final JdbcTemplate jdbc;
  private final AtomicLong deleted = new AtomicLong();

  /**
   * A service on the application's database; runs every minute unless the properties say otherwise.
   */
  public ExpireSessions(DataSource dataSource) {
    super(Duration.ofMinutes(1));
    this.jdbc = new JdbcTemplate(dataSource);
  }

  @Override
  public String name() {
    return "expire-sessions";
  }

  @Override
  protected void runOnce() {
    Timestamp now = Timestamp.from(Instant.now());
    int batch;
    do {
      batch =
          jdbc.update(
              "DELETE FROM app_session WHERE id IN (SELECT id FROM app_session WHERE expires_at < ? "
                  + "FETCH FIRST "
                  + BATCH
                  + " ROWS ONLY)",
              now);
      deleted.addAndGet(batch);
    } while (batch == BATCH && !isStopRequested());
  }

  /** How many sessions this instance has deleted since it started. */
  public long deletedSessions() {
    return deleted.get();
  }
}
