package dev.loopwork.jdbc;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Who holds each service's lease now, as every replica sees it, timed by the database's clock. For
 * reports and health checks of hosts built on loopwork-jdbc; it only reads.
 */
public final class LeaseOwners {
  private static final int QUERY_TIMEOUT_SECONDS = 5;

  private LeaseOwners() {}

  /**
   * Every coordinated service by name, with the replica that holds its lease, or empty when nobody
   * does (never taken, released or expired).
   *
   * @throws DatabaseException if the lease table cannot be read
   */
  public static Map<String, Optional<String>> read(Database database) {
    Map<String, Optional<String>> owners = new HashMap<>();
    try {
      for (LeaseStore.Lease lease : new LeaseStore(database, QUERY_TIMEOUT_SECONDS).readAll()) {
        boolean held = lease.owner() != null && lease.remainingMillis() > 0;
        owners.put(lease.service(), held ? Optional.of(lease.owner()) : Optional.empty());
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "Cannot read the leases of " + database + ": " + e.getMessage(), e);
    }
    return owners;
  }
}
