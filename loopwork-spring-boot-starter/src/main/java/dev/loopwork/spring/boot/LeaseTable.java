package dev.loopwork.spring.boot;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.LoopworkSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads who holds each lease, as every replica sees it, timed by the database's clock. loopwork-jdbc keeps the lease
 * rows to itself, so this reads the table directly; it only ever reads.
 */
final class LeaseTable {
  private static final String QUERY = "SELECT service, owner, expires_ms, "
      + "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT) FROM " + LoopworkSchema.PREFIX + "lease";

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
    try (Connection c = database.connection();
        PreparedStatement s = c.prepareStatement(QUERY);
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        String service = rs.getString(1);
        String owner = rs.getString(2);
        boolean live = owner != null && rs.getLong(3) > rs.getLong(4);
        leases.put(service, new Lease(service, live ? owner : null));
      }
    } catch (SQLException e) {
      throw new DatabaseException("Cannot read the leases of " + database + ": " + e.getMessage(), e);
    }
    return leases;
  }
}
