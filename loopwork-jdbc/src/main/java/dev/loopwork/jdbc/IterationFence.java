package dev.loopwork.jdbc;

import dev.loopwork.LeaseLostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The lease that the calling thread's coordinated iteration runs under, so that transactions on the
 * lease's database can be fenced: set by {@link LeaseCoordinator} when it grants the iteration (on
 * the thread that runs it), cleared when the iteration ends.
 */
final class IterationFence {
  private static final ThreadLocal<IterationFence> CURRENT = new ThreadLocal<>();

  /**
   * Told when a fenced transaction found the lease no longer this replica's, or lost its
   * connection.
   */
  interface LossListener {
    void leaseLost(String reason);

    /**
     * A transaction of the iteration failed because its connection to the lease's database died.
     */
    void connectionLost(SQLException cause);
  }

  private final Database database;
  private final LeaseStore store;
  private final String service;
  private final String replicaId;
  private final long fencingToken;
  private final LossListener onLost;

  IterationFence(
      Database database,
      LeaseStore store,
      String service,
      String replicaId,
      long fencingToken,
      LossListener onLost) {
    this.database = database;
    this.store = store;
    this.service = service;
    this.replicaId = replicaId;
    this.fencingToken = fencingToken;
    this.onLost = onLost;
  }

  /** The calling thread runs an iteration under this fence from now on. */
  void enter() {
    CURRENT.set(this);
  }

  /** The calling thread's iteration has ended. */
  static void exit() {
    CURRENT.remove();
  }

  /**
   * The fence of the calling thread's iteration if its lease lives in {@code target}, the database
   * written to.
   */
  static Optional<IterationFence> on(Database target) {
    IterationFence fence = CURRENT.get();
    if (fence == null
        || (fence.database != target && fence.database.dataSource() != target.dataSource())) {
      return Optional.empty();
    }
    return Optional.of(fence);
  }

  /**
   * The iteration's transaction failed with {@code cause}; if its connection died (a terminated
   * session, a restart), that is a database outage, which the coordinator reports once and which
   * interrupts the iteration like the loss of the replica's session, rather than an error of the
   * service.
   */
  void failed(SQLException cause) {
    if (DatabaseException.isConnectionFailure(cause)) {
      onLost.connectionLost(cause);
    }
  }

  /**
   * In the open transaction of {@code connection}, checks that this replica still holds the lease
   * under the iteration's token and that it has not expired, by the database's clock, and locks the
   * lease's row until the transaction ends, so that no other replica can take the lease before the
   * commit.
   *
   * @throws LeaseLostException if the lease is no longer this replica's under that token; the
   *     caller rolls back
   */
  void check(Connection connection) throws SQLException {
    requireTransaction(connection);
    if (!store.lockForCommit(connection, service, replicaId, fencingToken)) {
      throw lost(connection);
    }
  }

  /**
   * As {@link #check}, just before the caller commits: where the database can, the check and the
   * commit go in one round trip ({@link LeaseStore#lockAndCommit}), and the caller's commit then
   * has nothing left to do.
   *
   * @throws LeaseLostException if the lease is no longer this replica's under that token; nothing
   *     was committed, and the transaction has been rolled back
   */
  void checkWithCommit(Connection connection) throws SQLException {
    requireTransaction(connection);
    if (!store.lockAndCommit(connection, service, replicaId, fencingToken)) {
      connection.rollback(); // a refused commit fails the transaction: read the holder in a new one
      throw lost(connection);
    }
  }

  private void requireTransaction(Connection connection) throws SQLException {
    if (connection.getAutoCommit()) {
      throw new IllegalStateException(
          "A fenced check of "
              + service
              + " needs an open transaction: the connection "
              + "is in auto-commit mode, so the lease's row lock would end at once");
    }
  }

  /** Tells the listener that the lease was lost and makes the exception for the caller. */
  private LeaseLostException lost(Connection connection) throws SQLException {
    String holder = store.describeHolder(connection, service);
    onLost.leaseLost("a fenced transaction found it " + holder);
    return new LeaseLostException(
        "lease lost before commit: replica "
            + replicaId
            + " ran "
            + service
            + " under fencing token "
            + fencingToken
            + ", and the lease is now "
            + holder
            + "; the transaction was rolled back");
  }
}
