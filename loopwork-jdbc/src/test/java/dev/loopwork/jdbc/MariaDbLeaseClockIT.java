package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.jdbc.internal.Dialect;
import dev.loopwork.testsupport.RequiredServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the lease clock on MariaDB reads the same instant in any session time zone, also in the
 * hour that the end of summer time repeats (Europe/Berlin, 2025-10-26 02:30 CET, the second 02:30
 * of that night), where a clock that goes through the session's zone reads an hour behind and
 * leases look valid an hour too long.
 */
class MariaDbLeaseClockIT {
  /**
   * 2025-10-26T01:30:00.250Z: 02:30:00.250 in Berlin, after the clocks went back from 03:00 CEST to
   * 02:00 CET.
   */
  private static final long REPEATED_HOUR_MILLIS = 1_761_442_200_250L;

  @Test
  void theLeaseClockIsTheInstantInADaylightSavingZoneDuringTheRepeatedHour() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try {
        s.execute("SET time_zone = 'Europe/Berlin'");
      } catch (SQLException e) {
        RequiredServer.missing(
            "MariaDB has no named time zones (load them with mariadb-tzinfo-to-sql).", e);
      }
      s.execute(
          "SET timestamp = " + REPEATED_HOUR_MILLIS / 1000 + "." + REPEATED_HOUR_MILLIS % 1000);
      try (ResultSet rs = s.executeQuery("SELECT " + Dialect.forProduct("MariaDB").nowMillis())) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(REPEATED_HOUR_MILLIS);
      }
    }
  }

  private static Connection connect() throws SQLException {
    try {
      return DriverManager.getConnection(MariaDbDatabases.SERVER_URL, MariaDbDatabases.USER, "");
    } catch (SQLException e) {
      RequiredServer.missing("MariaDB does not answer at " + MariaDbDatabases.SERVER_URL + ".", e);
      throw e;
    }
  }
}
