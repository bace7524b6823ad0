package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lease contract on a real PostgreSQL server: one fresh database for the class, emptied before each test. */
class PostgresLeaseCoordinatorIT extends LeaseCoordinatorContract {
  private static PostgresDatabases.Fresh fresh;

  @BeforeAll
  static void createDatabase() {
    fresh = PostgresDatabases.create();
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Override
  Database emptyDatabase() throws SQLException {
    Database postgres = fresh.open();
    LoopworkSchema.create(postgres);
    try (Connection c = postgres.connection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM loopwork_lease");
      s.execute("DELETE FROM loopwork_replica");
      s.execute("DELETE FROM loopwork_run");
    }
    return postgres;
  }
}
