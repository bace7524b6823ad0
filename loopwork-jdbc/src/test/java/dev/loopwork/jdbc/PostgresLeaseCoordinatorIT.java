package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.LoopService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The lease contract on a real PostgreSQL server. */
class PostgresLeaseCoordinatorIT extends ServerLeaseCoordinatorContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }

  /**
   * Issue 13: on PostgreSQL a fenced transaction's check and its commit reach the server in one
   * round trip: when the connection's own {@code commit()} is called, the transaction's row is
   * already visible to another session (that call then has nothing left to do), and the row is
   * there once.
   */
  @Test
  void theFencedCheckAndTheCommitAreOneRoundTrip() throws SQLException {
    execute("CREATE TABLE IF NOT EXISTS one_trip (n INT NOT NULL)");
    execute("DELETE FROM one_trip");
    List<Long> rowsWhenCommitCalled = new CopyOnWriteArrayList<>();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fresh.url());
    config.setUsername(fresh.user());
    config.setMaximumPoolSize(2);
    try (HikariDataSource pool = new HikariDataSource(config);
        Database onPool =
            Database.of(countingAtCommit(pool, () -> rowsWhenCommitCalled.add(rows())))) {
      JdbcLoopRuntime a = replica("a", onPool);
      a.start(
          LoopService.of(
              "one-trip",
              Duration.ofHours(1),
              () -> {
                try {
                  onPool.useTransaction(
                      c -> {
                        try (PreparedStatement insert =
                            c.prepareStatement("INSERT INTO one_trip VALUES (1)")) {
                          insert.executeUpdate();
                        }
                      });
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              }));
      await().atMost(Duration.ofSeconds(10)).until(() -> !rowsWhenCommitCalled.isEmpty());
      a.close();
    }
    assertThat(rowsWhenCommitCalled).containsExactly(1L);
    assertThat(rows()).isEqualTo(1);
  }

  private long rows() throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM one_trip")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Work that may throw an SQLException. */
  private interface Probe {
    void run() throws SQLException;
  }

  /**
   * {@code pool}, whose connections run {@code beforeCommit} when commit() is called on one that
   * prepared a statement on the table {@code one_trip}.
   */
  private static DataSource countingAtCommit(HikariDataSource pool, Probe beforeCommit) {
    return ConnectionCallHooks.beforeConnectionCalls(
        pool,
        () -> {
          boolean[] wrote = new boolean[1];
          return (method, args) -> {
            if (method.getName().equals("prepareStatement")
                && ((String) args[0]).contains("one_trip")) {
              wrote[0] = true;
            } else if (method.getName().equals("commit") && wrote[0]) {
              wrote[0] = false;
              beforeCommit.run();
            }
          };
        });
  }
}
