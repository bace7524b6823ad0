package dev.loopwork.jdbc;

import java.sql.SQLException;

/**
 * The freeze contract on PostgreSQL: the owner's transaction in flight is seen in {@code
 * pg_stat_activity}.
 */
class PostgresFreezeIT extends FreezeContract {
  private PostgresDatabases.Fresh fresh;

  @Override
  Database createDatabase() {
    fresh = PostgresDatabases.create();
    Database database = fresh.open();
    LoopworkSchema.create(database);
    return database;
  }

  @Override
  String url() {
    return fresh.url;
  }

  @Override
  void dropDatabase() throws SQLException {
    fresh.close();
  }

  @Override
  String createTableSql() {
    return "CREATE TABLE fence_row (id BIGSERIAL PRIMARY KEY, replica VARCHAR(50) NOT NULL, token BIGINT NOT NULL, "
        + "started TIMESTAMPTZ NOT NULL, ended TIMESTAMPTZ)";
  }

  @Override
  String sleepingSessionsSql() {
    return "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
        + "AND query LIKE 'SELECT pg_sleep%' AND clock_timestamp() - query_start < interval '"
        + JUST_BEGUN.toMillis()
        + " milliseconds'";
  }
}
