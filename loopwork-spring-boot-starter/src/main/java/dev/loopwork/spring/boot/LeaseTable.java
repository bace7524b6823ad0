package dev.loopwork.spring.boot;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.LeaseOwners;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads who holds each lease, as every replica sees it, through loopwork-jdbc's {@link
 * LeaseOwners}.
 */
final class LeaseTable {
  private final Database database;

  LeaseTable(Database database) {
    this.database = database;
  }

  /** The owner of one service's lease; {@code owner} is {@code null} when nobody holds it now. */
  record Lease(String service, String owner) {
    boolean isHeld() {
      return owner != null;
    }
  }

  /**
   * Every lease row by service name.
   *
   * @throws DatabaseException if the table cannot be read
   */
  Map<String, Lease> read() {
    Map<String, Lease> leases = new HashMap<>();
    LeaseOwners.read(database)
        .forEach((service, owner) -> leases.put(service, new Lease(service, owner.orElse(null))));
    return leases;
  }
}
