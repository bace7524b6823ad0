package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The schema contract on MariaDB, and what is MariaDB's own. */
class MariaDbSchemaIT extends SchemaContract {
  @Override
  FreshDatabase createFresh() {
    return MariaDbDatabases.create();
  }

  @Override
  String product() {
    return "MariaDB";
  }

  @Test
  void aWrongPasswordIsAClearErrorThatNeverShowsThePassword() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url(fresh().url())
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

  /**
   * Issue 13: MariaDB commits each DDL statement on its own, so a process killed half-way through a
   * migration leaves part of it done and no version recorded. This is that state (the first two
   * tables and the version table of version 1, none of its journal table); the next start completes
   * the migration instead of failing on the tables that exist. Without IF NOT EXISTS it fails with
   * "Table 'loopwork_replica' already exists".
   */
  @Test
  void aMigrationCutOffHalfWayIsCompletedByTheNextStart() throws SQLException {
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
