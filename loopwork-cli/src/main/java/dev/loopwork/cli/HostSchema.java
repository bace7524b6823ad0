package dev.loopwork.cli;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.LoopworkSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The host's own two tables, next to the ones of {@link LoopworkSchema}: {@value #CONTROL_TABLE} holds the pause
 * flags and run-once requests that {@code loopwork services ...} and the admin API write, {@value #STATUS_TABLE}
 * the state of every service on every replica, which {@code services ls} reads. Both are created with {@code IF NOT
 * EXISTS}, so every replica may create them at start.
 */
final class HostSchema {
  /** Pause flags and run-once requests, one row per service name. */
  static final String CONTROL_TABLE = LoopworkSchema.PREFIX + "service_control";

  /** The state of each service on each replica, kept up to date every second by the replicas. */
  static final String STATUS_TABLE = LoopworkSchema.PREFIX + "service_status";

  /** The leases table of loopwork-jdbc, read for the owner of each exclusive service. */
  static final String LEASE_TABLE = LoopworkSchema.PREFIX + "lease";

  /** The run journal of loopwork-jdbc, read for the dashboard's charts. */
  static final String RUN_TABLE = LoopworkSchema.PREFIX + "run";

  private static final List<String> STATEMENTS = List.of(
      "CREATE TABLE IF NOT EXISTS " + CONTROL_TABLE + " (\n"
          + "  service VARCHAR(200) NOT NULL PRIMARY KEY,\n"
          + "  paused BOOLEAN NOT NULL,\n"
          + "  run_once_requested BOOLEAN NOT NULL,\n"
          + "  updated_ms BIGINT NOT NULL,\n"
          + "  updated_by VARCHAR(200) NOT NULL\n"
          + ")",
      "CREATE TABLE IF NOT EXISTS " + STATUS_TABLE + " (\n"
          + "  service VARCHAR(200) NOT NULL,\n"
          + "  replica_id VARCHAR(100) NOT NULL,\n"
          + "  kind VARCHAR(16) NOT NULL,\n"
          + "  coordination VARCHAR(16) NOT NULL,\n"
          + "  enabled BOOLEAN NOT NULL,\n"
          + "  interval_ms BIGINT NOT NULL,\n"
          + "  state VARCHAR(16) NOT NULL,\n"
          + "  iterations BIGINT NOT NULL,\n"
          + "  last_started_ms BIGINT,\n"
          + "  last_outcome VARCHAR(16),\n"
          + "  last_duration_us BIGINT,\n"
          + "  failures_in_row INTEGER NOT NULL,\n"
          + "  next_run_ms BIGINT,\n"
          + "  updated_ms BIGINT NOT NULL,\n"
          + "  PRIMARY KEY (service, replica_id)\n"
          + ")");

  private HostSchema() {}

  /** The SQL of Loopwork's tables and the host's, for {@code loopwork schema}. */
  static String sql(String product) {
    StringBuilder script = new StringBuilder(LoopworkSchema.sql(product));
    script.append("-- The loopwork host: pause flags, run-once requests and the state of services per replica\n\n");
    STATEMENTS.forEach(s -> script.append(s).append(";\n\n"));
    return script.toString();
  }

  /**
   * Creates Loopwork's tables and the host's where missing.
   *
   * @throws DatabaseException if the database refuses
   */
  static void create(Database database) {
    LoopworkSchema.create(database);
    try (Connection c = database.connection(); Statement s = c.createStatement()) {
      for (String statement : STATEMENTS) {
        try {
          s.execute(statement);
        } catch (SQLException e) {
          // Two replicas creating the table at once: PostgreSQL lets one of them fail; the table is there.
          if (!tableExists(c, statement)) {
            throw e;
          }
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("Cannot create the host's tables in " + database.url() + ": " + e.getMessage(), e);
    }
  }

  private static boolean tableExists(Connection c, String createStatement) throws SQLException {
    String table = createStatement.split("\\s+")[5];
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }
}
