package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the project's one transaction template ({@link Transactions}, behind {@link
 * Database#useTransaction}) commits what returns, rolls back what throws, keeps the first exception
 * when the rollback or the restoring of auto-commit fails too, and always gives back what it took.
 * A connection that fails on command stands for one that died (the real case is in {@code
 * PostgresFencingIT}).
 */
class TransactionsTest {
  private Database database;

  @BeforeEach
  void open() throws SQLException {
    database = TestDatabases.h2();
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE tx_row (id INT)");
    }
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void commitsWhatReturnsAndLeavesTheConnectionInAutoCommit() throws SQLException {
    int result = database.inTransaction(c -> insert(c, 1));

    assertThat(result).isEqualTo(1);
    assertThat(rows()).isEqualTo(1);
    try (Connection c = database.connection()) {
      assertThat(c.getAutoCommit()).isTrue();
    }
  }

  @Test
  void rollsBackWhatThrowsAndRethrowsTheSameException() {
    IllegalStateException failure = new IllegalStateException("work failed");

    assertThatThrownBy(
            () ->
                database.useTransaction(
                    c -> {
                      insert(c, 1);
                      throw failure;
                    }))
        .isSameAs(failure);
    assertThat(rows()).isZero();
  }

  @Test
  void theFirstExceptionIsKeptWhenTheRollbackAndTheAutoCommitFailToo() throws SQLException {
    SQLException first =
        new SQLException("terminating connection due to administrator command", "57P01");
    try (Connection real = database.connection()) {
      Connection dying = failing(real, Set.of("rollback", "setAutoCommit(true)"));

      assertThatThrownBy(
              () ->
                  Transactions.run(
                      dying,
                      () -> {
                        insert(real, 1);
                        throw first;
                      }))
          .isSameAs(first);
      assertThat(first.getSuppressed())
          .extracting(Throwable::getMessage)
          .containsExactly("rollback failed", "setAutoCommit(true) failed");
    }
  }

  @Test
  void aFailureToRestoreAutoCommitAfterACommitIsThrown() throws SQLException {
    try (Connection real = database.connection()) {
      Connection failingRestore = failing(real, Set.of("setAutoCommit(true)"));

      assertThatThrownBy(() -> Transactions.run(failingRestore, () -> insert(real, 1)))
          .hasMessage("setAutoCommit(true) failed");
      real.setAutoCommit(true);
    }
    assertThat(rows()).isEqualTo(1);
  }

  @Test
  void aReleaseRunsOnEveryPathAndNeverHidesTheFailure() throws SQLException {
    SQLException failure = new SQLException("migration failed");
    Transactions.release(
        failure,
        () -> {
          throw new SQLException("RELEASE_LOCK failed");
        });
    assertThat(failure.getSuppressed())
        .extracting(Throwable::getMessage)
        .containsExactly("RELEASE_LOCK failed");

    assertThatThrownBy(
            () ->
                Transactions.release(
                    null,
                    () -> {
                      throw new SQLException("RELEASE_LOCK failed");
                    }))
        .hasMessage("RELEASE_LOCK failed");
  }

  private static int insert(Connection c, int id) throws SQLException {
    try (Statement s = c.createStatement()) {
      return s.executeUpdate("INSERT INTO tx_row VALUES (" + id + ")");
    }
  }

  private long rows() {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tx_row")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code real}, except that the calls named in {@code failures} (e.g. "rollback",
   * "setAutoCommit(true)") throw.
   */
  private static Connection failing(Connection real, Set<String> failures) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              String call =
                  args != null && args.length == 1
                      ? method.getName() + "(" + args[0] + ")"
                      : method.getName();
              if (failures.contains(call)) {
                throw new SQLException(call + " failed");
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
