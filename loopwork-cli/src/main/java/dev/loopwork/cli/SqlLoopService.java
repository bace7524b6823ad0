package dev.loopwork.cli;

import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.JdbcLoopService;
import dev.loopwork.jdbc.SecretMask;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A {@code sql} service: each iteration runs the statements in one transaction, each under the
 * statement timeout, fenced: with replicas, it commits only while this replica still holds the
 * service's lease. With {@code repeat-while-rows: N} the transaction is a batch: it runs again
 * while its last statement changed at least N rows, each batch committed (and fenced) on its own;
 * between batches the service checks for a stop request, so a shutdown ends it after the current
 * batch and never in the middle of one.
 */
final class SqlLoopService extends JdbcLoopService {
  private final ServiceSpec spec;
  private final SecretMask secrets;
  private final int timeoutSeconds;

  /** The service of {@code spec}, whose errors show {@code secrets} as {@code ***}. */
  SqlLoopService(ServiceSpec spec, SecretMask secrets) {
    super(ServiceFactory.options(spec));
    this.spec = spec;
    this.secrets = secrets;
    this.timeoutSeconds = (int) Math.max(1, (spec.statementTimeout().toMillis() + 999) / 1000);
  }

  @Override
  public String name() {
    return spec.name();
  }

  /**
   * Runs the statements; a driver's error that echoes a configured secret is thrown with the secret
   * masked.
   */
  @Override
  protected void runOnce() throws SQLException {
    try {
      runBatches();
    } catch (SQLException e) {
      throw secrets.apply(e);
    }
  }

  private void runBatches() throws SQLException {
    if (spec.repeatWhileRows().isEmpty()) {
      runTransaction();
      return;
    }
    int batch = spec.repeatWhileRows().get();
    long total = 0;
    int batches = 0;
    while (true) {
      long rows = runTransaction();
      total += rows;
      batches++;
      if (rows < batch) {
        break;
      }
      if (isStopRequested() || Thread.currentThread().isInterrupted()) {
        logger()
            .info(
                "{}: stopping after batch {} ({} rows in all) because the service is stopping",
                name(),
                batches,
                total);
        return;
      }
      Thread.yield();
    }
    logger().debug("{}: {} rows in {} batches", name(), total, batches);
  }

  /**
   * Runs the statements in one transaction, fenced: it commits only while this replica still holds
   * the service's lease under the iteration's token (see {@link
   * dev.loopwork.jdbc.Database#useTransaction}). Returns the rows changed by the last statement.
   */
  private long runTransaction() throws SQLException {
    return database()
        .inTransaction(
            c -> {
              try (Statement statement = c.createStatement()) {
                statement.setQueryTimeout(timeoutSeconds);
                long rows = 0;
                for (String sql : spec.sql()) {
                  statement.execute(sql);
                  rows = Math.max(0, statement.getLargeUpdateCount());
                }
                return rows;
              }
            });
  }
}
