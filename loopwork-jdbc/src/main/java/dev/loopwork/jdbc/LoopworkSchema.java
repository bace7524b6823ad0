package dev.loopwork.jdbc;

import dev.loopwork.jdbc.internal.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loopwork's own tables: replicas, leases, the run journal and the operators' service controls, all
 * named with the prefix {@value #PREFIX} so that they never collide with an application's tables.
 * {@link JdbcLoopRuntime} creates and upgrades them on first use; a DBA who prefers to create them
 * by hand prints the SQL with {@link #sql(String)} or
 *
 * <pre>{@code
 * java -cp loopwork-jdbc.jar:... dev.loopwork.jdbc.LoopworkSchema PostgreSQL > loopwork.sql
 * }</pre>
 *
 * <p>Versioned in {@value #VERSION_TABLE}: every change to the tables is a numbered migration that
 * runs once, under a lock, so processes that start at the same time never apply it twice. Version 1
 * made the replicas, leases and run journal; version 2 adds {@value #CONTROL_TABLE}, adopting the
 * table of that name that the loopwork host (loopwork-cli) made for itself before (same columns),
 * so an upgraded database keeps its pause flags; versions 3 and 4 add columns to the replicas;
 * version 5 adds the last recorded fire of a calendar service to its lease.
 */
public final class LoopworkSchema {
  /** The prefix of every table and index of Loopwork. */
  public static final String PREFIX = "loopwork_";

  /** The table that records which migrations have run. */
  public static final String VERSION_TABLE = PREFIX + "schema_version";

  /** The replicas table: one row per running process, kept alive by its heartbeat. */
  static final String REPLICA_TABLE = PREFIX + "replica";

  /** The leases table: one row per coordinated service. */
  static final String LEASE_TABLE = PREFIX + "lease";

  /** The run journal: one row per iteration. */
  static final String RUN_TABLE = PREFIX + "run";

  /**
   * The pause flags and run-once requests of {@link ServiceControls}: one row per service an
   * operator steered.
   */
  static final String CONTROL_TABLE = PREFIX + "service_control";

  private static final Object PROCESS_LOCK = new Object();

  private static final List<Migration> MIGRATIONS =
      List.of(
          // Every statement is idempotent (IF NOT EXISTS): MariaDB commits each DDL statement on
          // its own, so a
          // migration cut off half-way (a killed process) leaves some of it done, and the next
          // attempt completes it.
          new Migration(
              1,
              "replicas, leases and run journal",
              dialect ->
                  List.of(
                      "CREATE TABLE IF NOT EXISTS "
                          + REPLICA_TABLE
                          + " (\n"
                          + "  replica_id VARCHAR(100) NOT NULL PRIMARY KEY,\n"
                          + "  host VARCHAR(255) NOT NULL,\n"
                          + "  started_ms BIGINT NOT NULL,\n"
                          + "  expires_ms BIGINT NOT NULL\n"
                          + ")",
                      "CREATE TABLE IF NOT EXISTS "
                          + LEASE_TABLE
                          + " (\n"
                          + "  service VARCHAR(200) NOT NULL PRIMARY KEY,\n"
                          + "  owner VARCHAR(100),\n"
                          + "  fencing_token BIGINT NOT NULL,\n"
                          + "  expires_ms BIGINT NOT NULL,\n"
                          + "  last_started_ms BIGINT\n"
                          + ")",
                      "CREATE TABLE IF NOT EXISTS "
                          + RUN_TABLE
                          + " (\n"
                          + "  id "
                          + dialect.identityPrimaryKey()
                          + ",\n"
                          + "  service VARCHAR(200) NOT NULL,\n"
                          + "  replica_id VARCHAR(100) NOT NULL,\n"
                          + "  iteration BIGINT NOT NULL,\n"
                          + "  fencing_token BIGINT,\n"
                          + "  started_at "
                          + dialect.timestampType()
                          + " NOT NULL,\n"
                          + "  duration_us BIGINT NOT NULL,\n"
                          + "  outcome VARCHAR(16) NOT NULL,\n"
                          + "  error VARCHAR(1000)\n"
                          + ")",
                      "CREATE INDEX IF NOT EXISTS "
                          + RUN_TABLE
                          + "_started_at ON "
                          + RUN_TABLE
                          + " (started_at)",
                      "CREATE INDEX IF NOT EXISTS "
                          + RUN_TABLE
                          + "_service ON "
                          + RUN_TABLE
                          + " (service, started_at)")),
          // The loopwork host created this very table itself before version 2, with the same name
          // and columns: IF NOT
          // EXISTS adopts it, so the pause flags and run-once requests of such a database survive
          // the upgrade.
          new Migration(
              2,
              "service controls",
              dialect ->
                  List.of(
                      "CREATE TABLE IF NOT EXISTS "
                          + CONTROL_TABLE
                          + " (\n"
                          + "  service VARCHAR(200) NOT NULL PRIMARY KEY,\n"
                          + "  paused BOOLEAN NOT NULL,\n"
                          + "  run_once_requested BOOLEAN NOT NULL,\n"
                          + "  updated_ms BIGINT NOT NULL,\n"
                          + "  updated_by VARCHAR(200) NOT NULL\n"
                          + ")")),
          // The database session lock that tells whether a replica's process is alive (NULL: none,
          // the lease TTL
          // alone decides).
          new Migration(
              3,
              "replica session locks",
              dialect ->
                  List.of(
                      "ALTER TABLE "
                          + REPLICA_TABLE
                          + " ADD COLUMN IF NOT EXISTS session_lock VARCHAR(100)")),
          // What an operator's replicas view shows: the process id and the time of the last
          // heartbeat (NULL for a replica of an older Loopwork until its next heartbeat).
          new Migration(
              4,
              "replica process ids and heartbeats",
              dialect ->
                  List.of(
                      "ALTER TABLE " + REPLICA_TABLE + " ADD COLUMN IF NOT EXISTS pid BIGINT",
                      "ALTER TABLE "
                          + REPLICA_TABLE
                          + " ADD COLUMN IF NOT EXISTS heartbeat_ms BIGINT")),
          // The latest fire of a calendar service that a replica recorded as started (epoch
          // milliseconds of the scheduled instant), recorded before the fire runs, so that the
          // next owner goes on after it.
          new Migration(
              5,
              "calendar fires of leases",
              dialect ->
                  List.of(
                      "ALTER TABLE "
                          + LEASE_TABLE
                          + " ADD COLUMN IF NOT EXISTS last_fire_ms BIGINT")));

  /** The schema version this Loopwork creates and expects. */
  public static final int LATEST_VERSION = MIGRATIONS.get(MIGRATIONS.size() - 1).version;

  private LoopworkSchema() {}

  /**
   * Creates Loopwork's tables, or upgrades them to {@link #LATEST_VERSION}; does nothing when they
   * are current. Safe to call from several processes at once.
   *
   * @throws DatabaseException if the database refuses, or holds a newer schema than this Loopwork
   *     knows
   */
  public static void create(Database database) {
    synchronized (PROCESS_LOCK) {
      try (Connection connection = database.connection()) {
        migrate(connection, database.dialect());
      } catch (SQLException e) {
        throw new DatabaseException(
            "Cannot create or upgrade Loopwork's tables in "
                + database.url()
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * The version of Loopwork's tables in {@code database}: 0 when they do not exist.
   *
   * @throws DatabaseException if the database cannot be read
   */
  public static int version(Database database) {
    try (Connection connection = database.connection()) {
      return currentVersion(connection);
    } catch (SQLException e) {
      throw new DatabaseException("Cannot read Loopwork's schema version in " + database.url(), e);
    }
  }

  /**
   * The SQL that creates every table at {@link #LATEST_VERSION} and records the version, statements
   * separated by {@code ;} and blank lines, for a DBA who creates them by hand.
   *
   * @param product the database, as {@code PostgreSQL}, {@code H2} or {@code MariaDB}
   * @throws IllegalArgumentException if Loopwork does not support the product
   */
  public static String sql(String product) {
    Dialect dialect = Dialect.forProduct(product);
    StringBuilder script =
        new StringBuilder(
            "-- Loopwork schema version "
                + LATEST_VERSION
                + " for "
                + dialect.name()
                + "\n\n"
                + versionTableSql(dialect)
                + ";\n\n");
    for (Migration migration : MIGRATIONS) {
      script
          .append("-- ")
          .append(migration.version)
          .append(": ")
          .append(migration.description)
          .append("\n\n");
      script.append(
          migration.statements.forDialect(dialect).stream()
              .map(s -> s + ";\n\n")
              .collect(Collectors.joining()));
      script
          .append("INSERT INTO ")
          .append(VERSION_TABLE)
          .append(" (version, description) VALUES (")
          .append(migration.version)
          .append(", '")
          .append(migration.description)
          .append("');\n\n");
    }
    return script.toString();
  }

  /**
   * Prints {@link #sql(String)} for the product named by the first argument (default {@code
   * PostgreSQL}).
   */
  public static void main(String[] args) {
    System.out.print(sql(args.length > 0 ? args[0] : "PostgreSQL"));
  }

  private static void migrate(Connection connection, Dialect dialect) throws SQLException {
    Throwable failure = null;
    try {
      Transactions.run(
          connection,
          () -> {
            dialect.lockSchemaMigration(connection);
            try (Statement statement = connection.createStatement()) {
              statement.execute(
                  versionTableSql(dialect).replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"));
            }
            int current = currentVersion(connection);
            if (current > LATEST_VERSION) {
              throw new DatabaseException(
                  "Loopwork's tables are at schema version "
                      + current
                      + " but this Loopwork "
                      + "knows versions up to "
                      + LATEST_VERSION
                      + ": upgrade Loopwork, or restore the tables it expects");
            }
            for (Migration migration : MIGRATIONS) {
              if (migration.version > current) {
                apply(connection, dialect, migration);
              }
            }
          });
    } catch (Throwable e) {
      failure = e;
      throw e;
    } finally {
      Transactions.release(failure, () -> dialect.unlockSchemaMigration(connection));
    }
  }

  private static void apply(Connection connection, Dialect dialect, Migration migration)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : migration.statements.forDialect(dialect)) {
        statement.execute(sql);
      }
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + VERSION_TABLE + " (version, description) VALUES (?, ?)")) {
      insert.setInt(1, migration.version);
      insert.setString(2, migration.description);
      insert.executeUpdate();
    }
  }

  private static int currentVersion(Connection connection) throws SQLException {
    if (!tableExists(connection, VERSION_TABLE)) {
      return 0;
    }
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + VERSION_TABLE)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    for (String name : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
      try (ResultSet rs =
          connection
              .getMetaData()
              .getTables(connection.getCatalog(), null, name, new String[] {"TABLE"})) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  private static String versionTableSql(Dialect dialect) {
    return "CREATE TABLE "
        + VERSION_TABLE
        + " (\n"
        + "  version INTEGER NOT NULL PRIMARY KEY,\n"
        + "  description VARCHAR(200) NOT NULL,\n"
        + "  applied_at "
        + dialect.timestampType()
        + " DEFAULT "
        + dialect.currentTimestamp()
        + " NOT NULL\n"
        + ")";
  }

  /** The statements of one migration, which may differ by database. */
  @FunctionalInterface
  private interface MigrationStatements {
    List<String> forDialect(Dialect dialect);
  }

  private static final class Migration {
    final int version;
    final String description;
    final MigrationStatements statements;

    Migration(int version, String description, MigrationStatements statements) {
      this.version = version;
      this.description = description;
      this.statements = statements;
    }
  }
}
