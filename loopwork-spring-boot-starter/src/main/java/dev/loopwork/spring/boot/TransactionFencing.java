package dev.loopwork.spring.boot;

import dev.loopwork.jdbc.Database;
import java.sql.SQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Fences the transactions that Spring manages on Loopwork's DataSource during an iteration of an
 * exclusive service: when such a transaction begins, it registers a synchronization that, just
 * before the commit, checks on the transaction's own connection that this instance still holds the
 * service's lease under the iteration's token ({@link Database#checkLease}). If the lease was lost,
 * the check throws {@link dev.loopwork.LeaseLostException}, the transaction manager rolls back, and
 * the iteration ends as lease lost. Transactions outside iterations, or on another DataSource, are
 * left alone. Spring Boot registers it with the transaction manager it configures.
 */
final class TransactionFencing implements TransactionExecutionListener {
  private final Database database;

  TransactionFencing(Database database) {
    this.database = database;
  }

  @Override
  public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
    if (beginFailure != null
        || !transaction.isNewTransaction()
        || !database.isFencing()
        || !TransactionSynchronizationManager.isSynchronizationActive()
        || !TransactionSynchronizationManager.hasResource(database.dataSource())) {
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void beforeCommit(boolean readOnly) {
            try {
              database.checkLease(DataSourceUtils.getConnection(database.dataSource()));
            } catch (SQLException e) {
              throw new TransactionSystemException(
                  "Could not check the lease before the commit: " + e.getMessage(), e);
            }
          }
        });
  }
}
