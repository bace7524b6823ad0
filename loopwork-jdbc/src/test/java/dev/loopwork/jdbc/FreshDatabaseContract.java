package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A contract test that gets a new, empty database for each test; subclassed per database. */
abstract class FreshDatabaseContract {
  private FreshDatabase fresh;
  Database database;

  /** Makes a new, empty database; skips or fails the test when the server does not answer. */
  abstract FreshDatabase createFresh();

  /** The database of the running test. */
  FreshDatabase fresh() {
    return fresh;
  }

  @BeforeEach
  void openFreshDatabase() {
    fresh = createFresh();
    database = fresh.open();
  }

  @AfterEach
  void dropFreshDatabase() throws SQLException {
    if (database != null) {
      database.close();
    }
    if (fresh != null) {
      fresh.close();
    }
  }

  void execute(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
