package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Database handle and Loopwork's schema on a real PostgreSQL server. */
class PostgresSchemaIT {
  private PostgresDatabases.Fresh fresh;

  @BeforeEach
  void createDatabase() {
    fresh = PostgresDatabases.create();
  }

  @AfterEach
  void dropDatabase() throws Exception {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Test
  void connectsAndDetectsPostgres() {
    try (Database database = fresh.open()) {
      assertThat(database.product()).isEqualTo("PostgreSQL");
      assertThat(database).hasToString("Database[PostgreSQL " + fresh.url + "]");
    }
  }

  @Test
  void createMakesTheTablesOnceAndIsIdempotent() throws Exception {
    try (Database database = fresh.open()) {
      LoopworkSchema.create(database);
      LoopworkSchema.create(database);
      assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
      try (Connection c = database.connection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'loopwork\\_%'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(5);
      }
    }
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
                  fresh.url,
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
    try (Database database = fresh.open();
        Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM loopwork_schema_version")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    }
  }

  @Test
  void printedSqlRunsAsIsOnPostgres() throws Exception {
    try (Database database = fresh.open()) {
      try (Connection c = database.connection();
          Statement s = c.createStatement()) {
        s.execute(LoopworkSchema.sql("PostgreSQL"));
      }
      assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
      LoopworkSchema.create(database);
    }
  }

  @Test
  void unknownRoleIsAClearErrorWithoutThePassword() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url(fresh.url)
                    .user("loopwork_nobody")
                    .password("s3cret")
                    .build())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("Cannot connect to " + fresh.url + " as user loopwork_nobody")
        .hasMessageContaining("loopwork_nobody")
        .satisfies(e -> assertThat(DatabaseTest.fullTrace(e)).doesNotContain("s3cret"));
  }
}
