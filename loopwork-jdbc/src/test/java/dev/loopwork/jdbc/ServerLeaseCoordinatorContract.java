package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The lease contract on a database server: one fresh database for the class, emptied before each test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerLeaseCoordinatorContract extends LeaseCoordinatorContract {
  private FreshDatabase fresh;

  /** Makes the class's database; skips the class when the server does not answer. */
  abstract FreshDatabase createFresh();

  @BeforeAll
  void createDatabase() {
    fresh = createFresh();
  }

  @AfterAll
  void dropDatabase() throws SQLException {
    if (fresh != null) {
      fresh.close();
    }
  }

  @Override
  Database emptyDatabase() throws SQLException {
    Database database = fresh.open();
    LoopworkSchema.create(database);
    try (Connection c = database.connection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM loopwork_lease");
      s.execute("DELETE FROM loopwork_replica");
      s.execute("DELETE FROM loopwork_run");
    }
    return database;
  }
}
