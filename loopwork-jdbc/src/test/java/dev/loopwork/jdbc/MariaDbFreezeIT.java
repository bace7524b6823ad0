package dev.loopwork.jdbc;

import java.sql.SQLException;

/**
 * The freeze contract on MariaDB: the owner's transaction in flight is seen in {@code
 * information_schema.PROCESSLIST}; the fenced check's row lock is InnoDB's.
 */
class MariaDbFreezeIT extends FreezeContract {
  private MariaDbDatabases.Fresh fresh;

  @Override
  Database createDatabase() {
    fresh = MariaDbDatabases.create();
    Database database = fresh.open();
    LoopworkSchema.create(database);
    return database;
  }

  @Override
  String url() {
    return MariaDbDatabases.SERVER_URL + fresh.name;
  }

  @Override
  void dropDatabase() throws SQLException {
    fresh.close();
  }

  @Override
  String createTableSql() {
    return "CREATE TABLE fence_row (id BIGINT AUTO_INCREMENT PRIMARY KEY, replica VARCHAR(50) NOT NULL, token "
        + "BIGINT NOT NULL, started DATETIME(6) NOT NULL, ended DATETIME(6))";
  }

  @Override
  String sleepingSessionsSql() {
    return "SELECT 1 FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP%' AND TIME_MS < "
        + JUST_BEGUN.toMillis();
  }
}
