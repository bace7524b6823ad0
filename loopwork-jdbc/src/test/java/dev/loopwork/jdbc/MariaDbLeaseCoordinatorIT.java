package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lease contract on MariaDB: one fresh database for the class, emptied before each test. */
class MariaDbLeaseCoordinatorIT extends LeaseCoordinatorContract {
  private static MariaDbDatabases.Fresh fresh;

  @BeforeAll
  static void createDatabase() {
    fresh = MariaDbDatabases.create();
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Override
  Database emptyDatabase() throws SQLException {
    Database mariaDb = fresh.open();
    LoopworkSchema.create(mariaDb);
    try (Connection c = mariaDb.connection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM loopwork_lease");
      s.execute("DELETE FROM loopwork_replica");
      s.execute("DELETE FROM loopwork_run");
    }
    return mariaDb;
  }
}
