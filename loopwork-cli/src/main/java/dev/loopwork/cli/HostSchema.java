package dev.loopwork.cli;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.LoopworkSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The host's own table, next to the ones of {@link LoopworkSchema}: {@value #STATUS_TABLE} holds
 * the state of every service on every replica, which {@code services ls} reads. It is created with
 * {@code IF NOT EXISTS}, so every replica may create it at start. The pause flags and run-once
 * requests live in loopwork-jdbc's schema ({@link dev.loopwork.jdbc.ServiceControls}), which
 * adopted the host's former control table of the same name.
 */
final class HostSchema {
  /** The state of each service on each replica, kept up to date every second by the replicas. */
  static final String STATUS_TABLE = LoopworkSchema.PREFIX + "service_status";

  private static final List<String> STATEMENTS =
      List.of(
          "CREATE TABLE IF NOT EXISTS "
              + STATUS_TABLE
              + " (\n"
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
    script.append("-- The loopwork host: the state of services per replica\n\n");
    STATEMENTS.forEach(s -> script.append(s).append(";\n\n"));
    return script.toString();
  }

  /**
   * Creates or upgrades Loopwork's tables and creates the host's where missing.
   *
   * @throws DatabaseException if the database refuses
   */
  static void create(Database database) {
    LoopworkSchema.create(database);
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      for (String statement : STATEMENTS) {
        try {
          s.execute(statement);
        } catch (SQLException e) {
          // Two replicas creating the table at once: PostgreSQL lets one of them fail; the table is
          // there.
          if (!tableExists(c, statement)) {
            throw e;
          }
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "Cannot create the host's table in " + database.url() + ": " + e.getMessage(), e);
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
