package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationOutcome;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import dev.loopwork.test.RecordingListener;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JdbcLoopServiceTest {
  private final ManualClock clock = new ManualClock();
  private final Database database = TestDatabases.h2();

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  private JdbcLoopRuntime runtime() {
    return JdbcLoopRuntime.builder(database)
        .engine(LoopEngine.builder().clock(clock).executor(Runnable::run))
        .coordinated(false)
        .journal(false)
        .build();
  }

  @Test
  void serviceReachesTheRuntimeDatabaseFromOnStartAndRunOnce() throws Exception {
    CountingService service = new CountingService();
    try (JdbcLoopRuntime runtime = runtime()) {
      runtime.start(service);
      clock.advance(Duration.ofSeconds(2));
      service.stop(false);
    }
    assertThat(service.counts).containsExactly(1, 2, 3);
  }

  @Test
  void lambdaServiceReceivesTheDatabase() {
    List<String> products = new ArrayList<>();
    JdbcLoopService service =
        JdbcLoopService.of("product", Duration.ofSeconds(1), db -> products.add(db.product()));
    JdbcLoopRuntime runtime = runtime();
    runtime.start(service);
    service.stop(false);
    assertThat(products).containsExactly("H2");
  }

  @Test
  void serviceStartedWithoutRuntimeFailsWithClearMessage() {
    RecordingListener recorder = new RecordingListener();
    LoopService service = JdbcLoopService.of("orphan", Duration.ofSeconds(1), Database::product);
    LoopTesting.engine(clock, recorder).start(service);
    service.stop(false);
    assertThat(recorder.iterations())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.outcome()).isEqualTo(IterationOutcome.FAILED);
              assertThat(r.error())
                  .isInstanceOf(IllegalStateException.class)
                  .hasMessageStartingWith(
                      "Loop service orphan has no database: start it with JdbcLoopRuntime");
            });
  }

  /** Creates its table in onStart and counts its rows in every iteration. */
  private static final class CountingService extends JdbcLoopService {
    final List<Integer> counts = new ArrayList<>();

    CountingService() {
      super(Duration.ofSeconds(1));
    }

    @Override
    protected void onStart() throws Exception {
      try (Connection c = database().connection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE ticks (id INT)");
      }
    }

    @Override
    protected void runOnce() throws Exception {
      try (Connection c = database().connection();
          Statement s = c.createStatement()) {
        s.execute("INSERT INTO ticks VALUES (1)");
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ticks")) {
          rs.next();
          counts.add(rs.getInt(1));
        }
      }
    }
  }
}
