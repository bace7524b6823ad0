package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.jdbc.ServiceControls.Control;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link ServiceControls} on one database, and the upgrade of a database that the
 * loopwork host made before schema version 2 (when the control table was its own); subclassed per
 * database.
 */
abstract class ServiceControlsContract extends FreshDatabaseContract {
  private static final int PROCESSES = 6;

  @Test
  void pauseResumeAndRunOnceRequestsAreSeenByEveryReader() {
    LoopworkSchema.create(database);
    ServiceControls console = ServiceControls.of(database, "console");
    ServiceControls replica = ServiceControls.of(database, "replica-1");
    assertThat(replica.readAll()).isEmpty();

    console.setPaused("expire-sessions", true);
    console.requestRunOnce("rebuild-index");
    assertThat(replica.readAll())
        .containsEntry("expire-sessions", new Control(true, false))
        .containsEntry("rebuild-index", new Control(false, true))
        .hasSize(2);

    console.requestRunOnce("expire-sessions");
    console.setPaused("expire-sessions", false);
    assertThat(replica.readAll()).containsEntry("expire-sessions", new Control(false, true));
  }

  @Test
  void eachChangeRecordsItsWriter() throws SQLException {
    LoopworkSchema.create(database);
    ServiceControls.of(database, "console").setPaused("s", true);
    assertThat(updatedBy("s")).isEqualTo("console");
    ServiceControls.of(database, "replica-7").setPaused("s", false);
    assertThat(updatedBy("s")).isEqualTo("replica-7");
  }

  @Test
  void aRunOnceRequestIsClaimedByExactlyOneOfTheProcessesThatTryAtOnce() throws Exception {
    LoopworkSchema.create(database);
    ServiceControls console = ServiceControls.of(database, "console");
    assertThat(console.claimRunOnce("s")).as("no request yet").isFalse();
    ExecutorService pool = Executors.newFixedThreadPool(PROCESSES);
    try {
      for (int round = 0; round < 20; round++) {
        console.requestRunOnce("s");
        List<Boolean> claims =
            together(pool, i -> ServiceControls.of(database, "replica-" + i).claimRunOnce("s"));
        assertThat(claims).as("claims of round %d", round).containsOnlyOnce(true);
        assertThat(console.readAll().get("s")).isEqualTo(Control.NONE);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void writersThatCreateTheRowOfAServiceAtOnceAllSucceed() throws Exception {
    LoopworkSchema.create(database);
    ExecutorService pool = Executors.newFixedThreadPool(PROCESSES);
    try {
      for (int round = 0; round < 10; round++) {
        String service = "new-" + round;
        together(
            pool,
            i -> {
              ServiceControls.of(database, "writer-" + i).setPaused(service, true);
              return true;
            });
        assertThat(ServiceControls.of(database, "reader").readAll())
            .containsEntry(service, new Control(true, false));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badNamesAreRejectedWithTheNameAndTheLimit() {
    LoopworkSchema.create(database);
    ServiceControls controls = ServiceControls.of(database, "console");
    assertThatThrownBy(() -> controls.setPaused(" ", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service must be 1 to 200 characters, not blank: \" \"");
    assertThatThrownBy(() -> ServiceControls.of(database, "w".repeat(201)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("writer must be 1 to 200 characters");
  }

  @Test
  void aDatabaseOfTheHostBeforeVersion2IsUpgradedAndKeepsItsFlags() throws SQLException {
    VersionOneSchema.create(this);
    execute(
        "INSERT INTO loopwork_service_control (service, paused, run_once_requested, updated_ms, updated_by) "
            + "VALUES ('expire-sessions', TRUE, FALSE, 1, 'cli'), ('rebuild-index', FALSE, TRUE, 1, 'cli')");
    assertThat(LoopworkSchema.version(database)).isEqualTo(1);

    LoopworkSchema.create(database);

    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    ServiceControls controls = ServiceControls.of(database, "replica-1");
    assertThat(controls.readAll())
        .containsEntry("expire-sessions", new Control(true, false))
        .containsEntry("rebuild-index", new Control(false, true));
    assertThat(controls.claimRunOnce("rebuild-index")).isTrue();
  }

  @Test
  void aDatabaseOfVersion1WithoutTheHostsTableGetsTheControlTable() throws SQLException {
    VersionOneSchema.create(this);
    execute("DROP TABLE loopwork_service_control");

    LoopworkSchema.create(database);

    ServiceControls controls = ServiceControls.of(database, "replica-1");
    controls.setPaused("s", true);
    assertThat(controls.readAll()).containsEntry("s", new Control(true, false));
  }

  private <T> List<T> together(ExecutorService pool, Attempt<T> attempt) throws Exception {
    CyclicBarrier start = new CyclicBarrier(PROCESSES);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < PROCESSES; i++) {
      int index = i;
      Callable<T> call =
          () -> {
            start.await();
            return attempt.run(index);
          };
      futures.add(pool.submit(call));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(future.get());
    }
    return results;
  }

  private String updatedBy(String service) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT updated_by FROM loopwork_service_control WHERE service = '"
                    + service
                    + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** One process's part in a race. */
  @FunctionalInterface
  private interface Attempt<T> {
    T run(int process) throws Exception;
  }
}
