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

  /** The longest cron expression that the status table holds. */
  static final int CRON_LENGTH = 500;

  /**
   * Each statement with a query that succeeds when what it makes is there: when two replicas make
   * it at once, PostgreSQL lets one of them fail, and that one goes on if the query succeeds.
   */
  private static final List<Ddl> STATEMENTS =
      List.of(
          new Ddl(
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
                  + ")",
              "SELECT 1 FROM " + STATUS_TABLE + " WHERE 1 = 0"),
          // A cron service's expression and zone (NULL for an interval service, whose interval_ms
          // is
          // its interval; a cron service's is one period of its expression). Added to the tables
          // of earlier hosts.
          new Ddl(
              "ALTER TABLE "
                  + STATUS_TABLE
                  + " ADD COLUMN IF NOT EXISTS cron VARCHAR("
                  + CRON_LENGTH
                  + ")",
              "SELECT cron FROM " + STATUS_TABLE + " WHERE 1 = 0"),
          new Ddl(
              "ALTER TABLE " + STATUS_TABLE + " ADD COLUMN IF NOT EXISTS zone VARCHAR(100)",
              "SELECT zone FROM " + STATUS_TABLE + " WHERE 1 = 0"));

  /** A statement of the host's schema, and a query that succeeds once it has been applied. */
  private record Ddl(String sql, String probe) {}

  private HostSchema() {}

  /** The SQL of Loopwork's tables and the host's, for {@code loopwork schema}. */
  static String sql(String product) {
    StringBuilder script = new StringBuilder(LoopworkSchema.sql(product));
    script.append("-- The loopwork host: the state of services per replica\n\n");
    STATEMENTS.forEach(s -> script.append(s.sql()).append(";\n\n"));
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
      for (Ddl statement : STATEMENTS) {
        try {
          s.execute(statement.sql());
        } catch (SQLException e) {
          if (!succeeds(c, statement.probe())) {
            throw e;
          }
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "Cannot create the host's table in " + database.url() + ": " + e.getMessage(), e);
    }
  }

  private static boolean succeeds(Connection c, String query) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeQuery(query).close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }
}
