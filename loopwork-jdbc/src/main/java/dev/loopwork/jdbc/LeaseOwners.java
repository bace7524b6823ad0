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
    holders(database)
        .forEach((service, holder) -> owners.put(service, holder.map(Holder::replica)));
    return owners;
  }

  /**
   * Every coordinated service by name, with who holds its lease, under which fencing token and for
   * how much longer, or empty when nobody does (never taken, released or expired).
   *
   * @throws DatabaseException if the lease table cannot be read
   */
  public static Map<String, Optional<Holder>> holders(Database database) {
    Map<String, Optional<Holder>> holders = new HashMap<>();
    try {
      for (LeaseStore.Lease lease : new LeaseStore(database, QUERY_TIMEOUT_SECONDS).readAll()) {
        boolean held = lease.owner() != null && lease.remainingMillis() > 0;
        holders.put(
            lease.service(),
            held
                ? Optional.of(
                    new Holder(lease.owner(), lease.fencingToken(), lease.remainingMillis()))
                : Optional.empty());
      }
    } catch (SQLException e) {
      throw new DatabaseException(
          "Cannot read the leases of " + database + ": " + e.getMessage(), e);
    }
    return holders;
  }

  /**
   * Who holds a lease.
   *
   * @param replica the replica that holds it
   * @param fencingToken the token it holds it under
   * @param remainingMillis how long it lasts without a renewal, by the database's clock when read
   */
  public record Holder(String replica, long fencingToken, long remainingMillis) {}
}
