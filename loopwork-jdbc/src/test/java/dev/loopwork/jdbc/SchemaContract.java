package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopEngine;
import dev.loopwork.test.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Loopwork's schema, journal and pruner on a database server; subclassed per server. What only one
 * server does (a half-applied migration on MariaDB, the printed SQL as one script on PostgreSQL,
 * each server's words for bad credentials) is tested in the subclass.
 */
abstract class SchemaContract extends FreshDatabaseContract {

  /** The product name the database reports, e.g. {@code PostgreSQL}. */
  abstract String product();

  @Test
  void createMakesTheTablesOnceIsIdempotentAndDetectsTheProduct() throws SQLException {
    assertThat(database.product()).isEqualTo(product());
    LoopworkSchema.create(database);
    LoopworkSchema.create(database);

    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    int tables = 0;
    try (Connection c = database.connection();
        ResultSet rs =
            c.getMetaData().getTables(c.getCatalog(), null, "loopwork%", new String[] {"TABLE"})) {
      while (rs.next()) {
        tables++;
      }
    }
    assertThat(tables).isEqualTo(5);
  }

  @Test
  void processesThatCreateTheTablesAtTheSameMomentApplyEachMigrationOnce() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String startAt = Long.toString(System.currentTimeMillis() + 3_000);
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  SchemaCreateMain.class.getName(),
                  fresh().url(),
                  fresh().user(),
                  startAt)
              .redirectErrorStream(true)
              .start());
    }
    for (Process process : processes) {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(output)
          .as("output of one process")
          .contains("VERSION " + LoopworkSchema.LATEST_VERSION);
      assertThat(process.exitValue()).isZero();
    }
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM loopwork_schema_version")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    }
  }

  @Test
  void printedSqlRunsStatementByStatementAndCreateThenAcceptsIt() throws SQLException {
    try (Connection c = database.connection()) {
      SqlScript.run(c, LoopworkSchema.sql(product()));
    }

    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    LoopworkSchema.create(database);
  }

  @Test
  void journalRecordsRunsAndThePrunerDeletesOnlyOldOnes() throws Exception {
    ManualClock clock = new ManualClock();
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
                  count("service = 'old'") == 0
                      && count("service = '" + JournalPruner.NAME + "'") == 1);
      assertThat(runtime.isDatabaseReachable()).isTrue();
    }
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT started_at FROM loopwork_run")) {
      rs.next();
      assertThat(database.dialect().timestampValue(rs, 1))
          .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    }
  }

  private int count(String where) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM loopwork_run WHERE " + where)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
