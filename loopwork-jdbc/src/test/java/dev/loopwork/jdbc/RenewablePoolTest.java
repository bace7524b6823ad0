package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: renewing the pool after an outage gives new connections from a fresh pool and leaves
 * the connections borrowed from the old one working until they are returned.
 */
class RenewablePoolTest {

  @Test
  void aRenewedPoolServesNewConnectionsAndLeavesBorrowedOnesWorking() throws SQLException {
    try (Database database = TestDatabases.h2()) {
      try (Connection borrowed = database.connection()) {
        database.renewPool();
        try (Connection fresh = database.connection()) {
          assertThat(selectOne(fresh)).isEqualTo(1);
        }
        assertThat(selectOne(borrowed)).as("a connection of the retired pool").isEqualTo(1);
      }
      database.renewPool();
      try (Connection afterTwoRenewals = database.connection()) {
        assertThat(selectOne(afterTwoRenewals)).isEqualTo(1);
      }
    }
  }

  private static int selectOne(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
