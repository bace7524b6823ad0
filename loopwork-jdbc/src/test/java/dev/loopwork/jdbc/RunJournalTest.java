package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationPermit;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopCoordinator;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.test.ManualClock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunJournalTest {
  private final Database database = TestDatabases.h2();

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void recordsEveryIterationWithReplicaOutcomeErrorAndFencingToken() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    LoopService flaky =
        JdbcLoopService.of(
            "flaky",
            Duration.ofMillis(20),
            db -> {
              if (calls.incrementAndGet() % 2 == 0) {
                throw new IllegalStateException("even call " + "x".repeat(2_000));
              }
            });
    try (JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(database)
            .replicaId("r1")
            .pollInterval(Duration.ofMillis(50))
            .build()) {
      runtime.start(flaky);
      await().atMost(Duration.ofSeconds(10)).until(() -> count("WHERE service = 'flaky'") >= 6);
      flaky.stop();
    }
    List<String> rows =
        query(
            "SELECT replica_id, iteration, fencing_token, outcome, LENGTH(error), "
                + "SUBSTRING(error, 1, 44), duration_us >= 0, started_at IS NOT NULL FROM loopwork_run "
                + "WHERE service = 'flaky' AND iteration <= 2 ORDER BY iteration");
    assertThat(rows)
        .containsExactly(
            "r1|1|1|SUCCEEDED|null|null|true|true",
            "r1|2|1|FAILED|1000|java.lang.IllegalStateException: even call x|true|true");
  }

  /**
   * Issue 14: a service's error is journaled without the database's password or the other secrets
   * given to its builder, whoever made the error's text (here the service itself, as a class
   * service of the host may).
   */
  @Test
  void journaledErrorsShowNoSecretOfTheDatabase() throws Exception {
    try (Database masked =
            Database.builder()
                .url(TestDatabases.h2Url())
                .user("sa")
                .password("pw-Secret-1")
                .secrets(List.of("tok-Secret-2"))
                .build();
        JdbcLoopRuntime runtime =
            JdbcLoopRuntime.builder(masked)
                .replicaId("r1")
                .pollInterval(Duration.ofMillis(50))
                .build()) {
      LoopService leaky =
          JdbcLoopService.of(
              "leaky",
              Duration.ofMillis(20),
              db -> {
                throw new IllegalStateException("login pw-Secret-1 with tok-Secret-2 refused");
              });
      runtime.start(leaky);
      List<String> errors = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                errors.clear();
                try (Connection c = masked.connection();
                    Statement s = c.createStatement();
                    ResultSet rs =
                        s.executeQuery("SELECT error FROM loopwork_run WHERE service = 'leaky'")) {
                  while (rs.next()) {
                    errors.add(rs.getString(1));
                  }
                }
                return !errors.isEmpty();
              });
      leaky.stop();
      assertThat(errors)
          .allSatisfy(
              e ->
                  assertThat(e)
                      .isEqualTo("java.lang.IllegalStateException: login *** with *** refused"));
    }
  }

  @Test
  void rowsOfARuntimeWithADecoratedCoordinatorCarryTheReplicaAndTheFencingToken() throws Exception {
    AtomicInteger permitsSeen = new AtomicInteger();
    LoopService tick = JdbcLoopService.of("tick", Duration.ofMillis(20), db -> {});
    try (JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(database)
            .replicaId("r7")
            .pollInterval(Duration.ofMillis(50))
            .decorateCoordinator(leases -> new PermitCounter(leases, permitsSeen))
            .build()) {
      runtime.start(tick);
      await().atMost(Duration.ofSeconds(10)).until(() -> count("WHERE service = 'tick'") >= 2);
      tick.stop();
    }
    assertThat(permitsSeen).as("the engine asked the decorator").hasPositiveValue();
    assertThat(
            query(
                "SELECT DISTINCT replica_id, fencing_token FROM loopwork_run WHERE service = 'tick'"))
        .containsExactly("r7|1");
  }

  /**
   * Issue 13: a row carries the token its iteration ran under, also when the lease was lost during
   * it (a fenced transaction found it taken: the replica no longer holds any token of it when the
   * row is made), with the outcome LEASE_LOST.
   */
  @Test
  void aRowCarriesTheTokenItsIterationRanUnderAlsoWhenTheLeaseWasLostInIt() throws Exception {
    AtomicInteger iterations = new AtomicInteger();
    LoopService taken =
        JdbcLoopService.of(
            "taken",
            Duration.ofMillis(20),
            db -> {
              if (iterations.incrementAndGet() == 2) {
                try (Connection c = db.connection();
                    Statement s = c.createStatement()) {
                  s.executeUpdate(
                      "UPDATE loopwork_lease SET owner = 'z', fencing_token = fencing_token + 1, "
                          + "expires_ms = 9999999999999 WHERE service = 'taken'");
                }
                db.useTransaction(c -> {});
              }
            });
    try (JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(database)
            .replicaId("r1")
            .pollInterval(Duration.ofMillis(50))
            .build()) {
      runtime.start(taken);
      await().atMost(Duration.ofSeconds(10)).until(() -> count("WHERE service = 'taken'") >= 2);
      taken.stop();
    }
    assertThat(
            query(
                "SELECT iteration, fencing_token, outcome FROM loopwork_run WHERE service = 'taken' "
                    + "ORDER BY iteration"))
        .containsExactly("1|1|SUCCEEDED", "2|1|LEASE_LOST");
  }

  @Test
  void aDecoratorNeedsACoordinatedRuntime() {
    JdbcLoopRuntime.Builder uncoordinated =
        JdbcLoopRuntime.builder(database).coordinated(false).decorateCoordinator(leases -> leases);
    assertThatThrownBy(uncoordinated::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("decorateCoordinator needs coordinated(true)");
  }

  /** Hands the leases' answers on, counting the permits it was asked for. */
  private record PermitCounter(LoopCoordinator leases, AtomicInteger permits)
      implements LoopCoordinator {
    @Override
    public Membership join(LoopService service) {
      Membership inner = leases.join(service);
      return new Membership() {
        @Override
        public IterationPermit permit() {
          permits.incrementAndGet();
          return inner.permit();
        }

        @Override
        public void iterationEnded(IterationPermit permit) {
          inner.iterationEnded(permit);
        }

        @Override
        public void leave() {
          inner.leave();
        }
      };
    }
  }

  @Test
  void queuesWithoutWaitingWhileTheTableIsMissingAndWritesEverythingWhenItIsBack()
      throws Exception {
    RunJournal journal = new RunJournal(database, new DatabaseHealth(database), "r1");
    try {
      for (int i = 1; i <= 3; i++) {
        journal.onIterationEnd(null, result("s", i, OptionalLong.of(5)));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> journal.backlog() == 3);
      LoopworkSchema.create(database);
      await().atMost(Duration.ofSeconds(5)).until(() -> journal.backlog() == 0);
    } finally {
      journal.close();
    }
    assertThat(
            query(
                "SELECT iteration, fencing_token, duration_us, started_at FROM loopwork_run ORDER BY iteration"))
        .containsExactly(
            "1|5|3000|" + OffsetDateTime.parse("2026-01-01T00:00Z"),
            "2|5|3000|" + OffsetDateTime.parse("2026-01-01T00:00Z"),
            "3|5|3000|" + OffsetDateTime.parse("2026-01-01T00:00Z"));
  }

  @Test
  void prunerDeletesEntriesOlderThanTheRetentionOnly() throws Exception {
    ManualClock clock = new ManualClock();
    LoopworkSchema.create(database);
    OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
    insertRun("old", now.minusDays(8));
    insertRun("recent", now.minusDays(6));
    insertRun("new", now);

    try (JdbcLoopRuntime runtime =
        JdbcLoopRuntime.builder(database)
            .engine(LoopEngine.builder().clock(clock).executor(Runnable::run))
            .coordinated(false)
            .build()) {
      assertThat(runtime.engine().clock()).isSameAs(clock);
    }
    assertThat(query("SELECT service FROM loopwork_run ORDER BY id"))
        .containsExactly("recent", "new", JournalPruner.NAME);
  }

  @Test
  void rowsTheDatabaseRefusesAreDroppedWithoutStallingTheJournal() throws Exception {
    LoopworkSchema.create(database);
    DatabaseHealth health = new DatabaseHealth(database);
    RunJournal journal = new RunJournal(database, health, "r1");
    try {
      journal.onIterationEnd(null, result("n".repeat(300), 1));
      await().atMost(Duration.ofSeconds(5)).until(() -> journal.backlog() == 0);
      journal.onIterationEnd(null, result("fine", 2));
      await().atMost(Duration.ofSeconds(5)).until(() -> count("") == 1);
    } finally {
      journal.close();
    }
    assertThat(health.isUp()).isTrue();
    assertThat(query("SELECT service, iteration FROM loopwork_run")).containsExactly("fine|2");
  }

  private static IterationResult result(String service, long iteration) {
    return result(service, iteration, OptionalLong.empty());
  }

  private static IterationResult result(String service, long iteration, OptionalLong fencingToken) {
    return new IterationResult(
        service,
        iteration,
        Instant.parse("2026-01-01T00:00:00Z"),
        Duration.ofMillis(3),
        IterationOutcome.SUCCEEDED,
        null,
        false,
        0,
        fencingToken);
  }

  @Test
  void errorSummaryKeepsTheStartOfLongErrors() {
    assertThat(RunJournal.summary("short")).isEqualTo("short");
    assertThat(RunJournal.summary("y".repeat(5_000)))
        .hasSize(RunJournal.ERROR_SUMMARY_LENGTH)
        .endsWith("...");
  }

  private void insertRun(String service, OffsetDateTime startedAt) throws SQLException {
    try (Connection c = database.connection();
        var insert =
            c.prepareStatement(
                "INSERT INTO loopwork_run (service, replica_id, iteration, started_at, "
                    + "duration_us, outcome) VALUES (?, 'r', 1, ?, 0, 'SUCCEEDED')")) {
      insert.setString(1, service);
      insert.setObject(2, startedAt);
      insert.executeUpdate();
    }
  }

  private int count(String where) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM loopwork_run " + where)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private List<String> query(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          Object value =
              i == 4 && sql.contains("started_at FROM")
                  ? rs.getObject(i, OffsetDateTime.class)
                  : rs.getObject(i);
          row.append(i > 1 ? "|" : "").append(value);
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }
}
