package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopEngine;
import dev.loopwork.test.ManualClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loopwork's tables, journal and pruner on MariaDB. */
class MariaDbSchemaIT {
  private MariaDbDatabases.Fresh fresh;

  @BeforeEach
  void createDatabase() {
    fresh = MariaDbDatabases.create();
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Test
  void aWrongPasswordIsAClearErrorThatNeverShowsThePassword() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url(MariaDbDatabases.SERVER_URL + fresh.name)
                    .user(MariaDbDatabases.USER)
                    .password("not-the-password-1234")
                    .build())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("as user " + MariaDbDatabases.USER)
        .satisfies(
            e -> {
              StringWriter trace = new StringWriter();
              e.printStackTrace(new PrintWriter(trace));
              assertThat(trace.toString())
                  .contains("Access denied")
                  .doesNotContain("not-the-password-1234");
            });
  }

  @Test
  void createIsIdempotentAndDetectsMariaDb() {
    try (Database database = fresh.open()) {
      assertThat(database.product()).isEqualTo("MariaDB");
      LoopworkSchema.create(database);
      LoopworkSchema.create(database);
      assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    }
  }

  /**
   * Issue 13: MariaDB commits each DDL statement on its own, so a process killed half-way through a
   * migration leaves part of it done and no version recorded. This is that state (the first two
   * tables and the version table of version 1, none of its journal table); the next start completes
   * the migration instead of failing on the tables that exist. Without IF NOT EXISTS it fails with
   * "Table 'loopwork_replica' already exists".
   */
  @Test
  void aMigrationCutOffHalfWayIsCompletedByTheNextStart() throws SQLException {
    try (Database database = fresh.open()) {
      try (Connection c = database.connection();
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE loopwork_schema_version (version INTEGER NOT NULL PRIMARY KEY, description "
                + "VARCHAR(200) NOT NULL, applied_at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) NOT NULL)");
        s.execute(
            "CREATE TABLE loopwork_replica (replica_id VARCHAR(100) NOT NULL PRIMARY KEY, host VARCHAR(255) "
                + "NOT NULL, started_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)");
        s.execute(
            "CREATE TABLE loopwork_lease (service VARCHAR(200) NOT NULL PRIMARY KEY, owner VARCHAR(100), "
                + "fencing_token BIGINT NOT NULL, expires_ms BIGINT NOT NULL, last_started_ms BIGINT)");
      }
      LoopworkSchema.create(database);

      assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
      try (Connection c = database.connection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = "
                      + "DATABASE() AND table_name = 'loopwork_run' AND index_name LIKE 'loopwork_run_%'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("index columns of the journal").isEqualTo(3);
      }
    }
  }

  @Test
  void printedSqlRunsStatementByStatement() throws SQLException {
    try (Database database = fresh.open()) {
      try (Connection c = database.connection();
          Statement s = c.createStatement()) {
        for (String statement : LoopworkSchema.sql("MariaDB").split(";\n")) {
          String sql =
              statement
                  .lines()
                  .filter(l -> !l.startsWith("--"))
                  .reduce("", (a, b) -> a + b + "\n")
                  .trim();
          if (!sql.isEmpty()) {
            s.execute(sql);
          }
        }
      }
      assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    }
  }

  @Test
  void journalRecordsRunsAndThePrunerDeletesOnlyOldOnes() throws Exception {
    ManualClock clock = new ManualClock();
    try (Database database = fresh.open()) {
      LoopworkSchema.create(database);
      try (Connection c = database.connection();
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO loopwork_run (service, replica_id, iteration, started_at, duration_us, outcome) "
                      + "VALUES ('old', 'r', 1, ?, 0, 'SUCCEEDED')")) {
        insert.setObject(
            1, database.dialect().timestampParameter(clock.instant().minus(Duration.ofDays(8))));
        insert.executeUpdate();
      }
      try (JdbcLoopRuntime runtime =
          JdbcLoopRuntime.builder(database)
              .engine(LoopEngine.builder().clock(clock).executor(Runnable::run))
              .coordinated(false)
              .build()) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    count(database, "service = 'old'") == 0
                        && count(database, "service = '" + JournalPruner.NAME + "'") == 1);
        assertThat(runtime.isDatabaseReachable()).isTrue();
      }
      try (Connection c = database.connection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT started_at FROM loopwork_run")) {
        rs.next();
        assertThat(
                rs.getObject(1, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC))
            .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
      }
    }
  }

  private static int count(Database database, String where) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM loopwork_run WHERE " + where)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
