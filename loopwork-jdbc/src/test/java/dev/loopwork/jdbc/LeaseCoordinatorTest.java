package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.IterationPermit;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.RunLog.RecordedService;
import dev.loopwork.test.ManualClock;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The lease contract on H2, and the statement count that H2's query statistics can show. */
class LeaseCoordinatorTest extends LeaseCoordinatorContract {

  @Override
  Database emptyDatabase() {
    Database h2 = TestDatabases.h2();
    LoopworkSchema.create(h2);
    return h2;
  }

  @Test
  void renewalIsOneStatementPerPeriodHoweverManyServicesRun() throws SQLException {
    execute("SET QUERY_STATISTICS_MAX_ENTRIES 10000");
    execute("SET QUERY_STATISTICS TRUE");
    JdbcLoopRuntime a = replica("a");
    for (int i = 0; i < 40; i++) {
      a.start(new RecordedService("s" + i, Duration.ofMillis(50), "a", log, Duration.ZERO));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.heldLeases() == 40);
    long renewalsBefore = executions("UPDATE loopwork_lease SET expires_ms");
    long allBefore = executions("");
    int runsBefore = log.count();
    long from = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> log.count() >= runsBefore + 1_500);
    double seconds = (System.nanoTime() - from) / 1e9;

    long renewals = executions("UPDATE loopwork_lease SET expires_ms") - renewalsBefore;
    long statements = executions("") - allBefore;
    assertThat(renewals).isBetween(1L, (long) (seconds / (TTL.toMillis() / 3000.0)) + 2);
    assertThat(statements / seconds).as("coordination statements per second").isLessThan(40);
  }

  /**
   * Issue 12: a new owner's first start is one interval after the recorded start counted from when
   * the lease was read, not from when the answer came back: here every commit takes 300 ms of the
   * coordinator's clock (a busy machine), and the slot, 600 ms after the read, must not move by
   * them.
   */
  @Test
  void aNewOwnersFirstStartIsCountedFromTheReadNotFromTheAnswer() throws Exception {
    execute(
        "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms, last_started_ms) VALUES ('s', 'gone', 7, 0, "
            + now()
            + " - 400)");
    ManualClock clock = new ManualClock();
    Duration commitTakes = Duration.ofMillis(300);
    try (Database slow = Database.of(committingSlowly(database.dataSource(), clock, commitTakes))) {
      LeaseCoordinator leases = onManualClock(slow, "a", clock);
      try {
        LoopCoordinator.Membership membership = joinAndAwaitTheHold(leases);

        IterationPermit first = membership.permit();
        if (!first.isGranted()) {
          assertThat(first.deferral())
              .as("the slot, 600 ms after the read, less the take's 300 ms commit")
              .isLessThanOrEqualTo(Duration.ofMillis(600).minus(commitTakes));
          clock.advance(first.deferral());
          first = membership.permit();
        }
        assertThat(first.isGranted()).isTrue();
        membership.iterationEnded(first);
      } finally {
        leases.close();
      }
    }
  }

  /**
   * Issue 12: a service whose lease a round takes is asked at once, not after the round's other
   * statements (taking another lease here), which on a busy machine may outlast the time to its
   * slot.
   */
  @Test
  void aServiceIsAskedTheMomentItsLeaseIsTakenNotAtTheEndOfTheRound() throws Exception {
    for (String service : List.of("s1", "s2")) {
      execute(
          "INSERT INTO loopwork_lease (service, owner, fencing_token, expires_ms) VALUES ('"
              + service
              + "', 'other', 1, "
              + now()
              + " + 600000)");
    }
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicInteger polls = new AtomicInteger();
    DataSource watched =
        onEachCall(
            database.dataSource(),
            call -> {
              if (call.contains("UNION ALL")) {
                polls.incrementAndGet(); // a round's look for free leases, after the first renewal
              } else if (call.equals("commit")) {
                events.add("commit");
              }
            });
    try (Database db = Database.of(watched)) {
      LeaseCoordinator leases =
          LeaseCoordinator.builder(db).replicaId("a").pollInterval(POLL).build();
      try {
        for (String service : List.of("s1", "s2")) {
          leases.join(
              LoopService.of(service, Duration.ofSeconds(1), () -> {}),
              Duration.ofSeconds(1),
              () -> events.add("ask"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.get() > 0);
        // Both free at once, so that one round takes both.
        execute("UPDATE loopwork_lease SET owner = NULL, expires_ms = " + now() + " - 1");
        await().atMost(Duration.ofSeconds(5)).until(() -> leases.heldLeases() == 2);
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> events.stream().filter("ask"::equals).count() == 2);

        assertThat(events).containsSubsequence("commit", "ask", "commit", "ask");
      } finally {
        leases.close();
      }
    }
  }

  /** {@code dataSource}, whose every commit moves {@code clock} on by {@code commitTakes}. */
  private static DataSource committingSlowly(
      DataSource dataSource, ManualClock clock, Duration commitTakes) {
    return onEachCall(
        dataSource,
        call -> {
          if (call.equals("commit")) {
            clock.advance(commitTakes);
          }
        });
  }

  /**
   * {@code dataSource}, whose connections tell {@code before} of each call on them before making
   * it: the SQL of a call that takes some, else the method's name.
   */
  private static DataSource onEachCall(DataSource dataSource, Consumer<String> before) {
    return ConnectionCallHooks.beforeConnectionCalls(
        dataSource,
        () ->
            (method, args) ->
                before.accept(
                    args != null && args.length > 0 && args[0] instanceof String sql
                        ? sql
                        : method.getName()));
  }

  private long executions(String prefix) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT COALESCE(SUM(EXECUTION_COUNT), 0) FROM INFORMATION_SCHEMA.QUERY_STATISTICS "
                    + "WHERE SQL_STATEMENT LIKE '"
                    + prefix
                    + "%' AND SQL_STATEMENT LIKE '%loopwork_%' "
                    + "AND SQL_STATEMENT NOT LIKE '%QUERY_STATISTICS%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
