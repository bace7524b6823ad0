package dev.loopwork.cli;

import static dev.loopwork.cli.HostSchema.RUN_TABLE;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The recent iterations of a service, from the run journal of loopwork-jdbc, for the dashboard's charts. */
final class RunHistory {
  /** How many iterations a chart shows at most. */
  static final int LIMIT = 40;

  private final Database database;

  RunHistory(Database database) {
    this.database = database;
  }

  /**
   * One iteration in the journal.
   *
   * @param startedAt when it started, ISO-8601
   * @param durationMs how long it took
   * @param outcome SUCCEEDED, FAILED or TIMED_OUT
   * @param error a summary of the error, or null
   */
  record Run(String startedAt, double durationMs, String outcome, String error) {}

  /** The last {@link #LIMIT} iterations of {@code service}, oldest first. */
  List<Run> recent(String service) {
    List<Run> runs = new ArrayList<>();
    try (Connection c = database.connection();
        PreparedStatement select = c.prepareStatement("SELECT started_at, duration_us, outcome, error FROM "
            + RUN_TABLE + " WHERE service = ? ORDER BY started_at DESC, id DESC FETCH FIRST " + LIMIT
            + " ROWS ONLY")) {
      select.setString(1, service);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          runs.add(new Run(rs.getObject(1, OffsetDateTime.class).toInstant().toString(), rs.getLong(2) / 1000.0,
              rs.getString(3), rs.getString(4)));
        }
      }
    } catch (SQLException e) {
      throw new DatabaseException("Cannot read the recent runs of " + service + " from " + RUN_TABLE + " in "
          + database.url() + ": " + e.getMessage(), e);
    }
    Collections.reverse(runs);
    return runs;
  }
}
