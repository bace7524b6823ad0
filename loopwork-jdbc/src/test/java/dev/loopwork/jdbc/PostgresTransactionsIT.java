package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a transaction whose connection dies (its server session terminated by an administrator,
 * a restart) fails with the database's own error, SQLSTATE and message, and the errors of the
 * rollback and of restoring auto-commit on the dead connection are attached to it, never thrown
 * instead of it.
 */
class PostgresTransactionsIT {
  private PostgresDatabases.Fresh fresh;
  private Database database;

  @BeforeEach
  void open() {
    fresh = PostgresDatabases.create();
    database = fresh.open();
  }

  @AfterEach
  void close() throws SQLException {
    database.close();
    fresh.close();
  }

  @Test
  void aTerminatedSessionFailsWithTheDatabasesOwnError() {
    SQLException failure =
        catchThrowableOfType(
            SQLException.class,
            () ->
                database.useTransaction(
                    c -> {
                      try (Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE t (id INT)");
                        try (Connection admin = database.connection();
                            Statement kill = admin.createStatement();
                            ResultSet pid = s.executeQuery("SELECT pg_backend_pid()")) {
                          pid.next();
                          kill.execute("SELECT pg_terminate_backend(" + pid.getInt(1) + ")");
                        }
                        s.execute("INSERT INTO t VALUES (1)");
                      }
                    }));

    assertThat(failure.getSQLState()).isEqualTo("57P01");
    assertThat(failure.getMessage())
        .contains("terminating connection due to administrator command");
    assertThat(failure.getSuppressed()).isNotEmpty();
  }
}
