package dev.loopwork.cli;

import static dev.loopwork.cli.HostSchema.CONTROL_TABLE;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The pause flags and run-once requests of {@value HostSchema#CONTROL_TABLE}: written by {@code loopwork services
 * pause|resume|run-once} and the admin API, read every second by every replica. Thread-safe.
 */
final class ControlTable {
  private final Database database;
  private final String writer;

  /** The table in {@code database}; {@code writer} (a replica or {@code cli}) is recorded with each change. */
  ControlTable(Database database, String writer) {
    this.database = database;
    this.writer = writer;
  }

  /** The pause flag and pending run-once request of one service. */
  record Control(boolean paused, boolean runOnceRequested) {}

  /** Pauses or resumes {@code service} on every replica. */
  void setPaused(String service, boolean paused) {
    upsert(service, "paused = ?", paused, "set the pause flag of " + service);
  }

  /** Asks the replica that runs {@code service} to run one iteration now, paused or not. */
  void requestRunOnce(String service) {
    upsert(service, "run_once_requested = ?", true, "request a run of " + service);
  }

  /** Every service's flags; a service without a row is neither paused nor requested. */
  Map<String, Control> readAll() {
    Map<String, Control> all = new HashMap<>();
    try (Connection c = database.connection();
        PreparedStatement select = c.prepareStatement(
            "SELECT service, paused, run_once_requested FROM " + CONTROL_TABLE);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        all.put(rs.getString(1), new Control(rs.getBoolean(2), rs.getBoolean(3)));
      }
    } catch (SQLException e) {
      throw failed("read " + CONTROL_TABLE, e);
    }
    return all;
  }

  /** Takes the pending run-once request of {@code service}; true for exactly one of the replicas that try. */
  boolean claimRunOnce(String service) {
    try (Connection c = database.connection();
        PreparedStatement claim = c.prepareStatement("UPDATE " + CONTROL_TABLE
            + " SET run_once_requested = FALSE WHERE service = ? AND run_once_requested = TRUE")) {
      claim.setString(1, service);
      return claim.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failed("claim the run-once request of " + service, e);
    }
  }

  private void upsert(String service, String assignment, boolean value, String operation) {
    try (Connection c = database.connection()) {
      if (update(c, service, assignment, value) == 0) {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + CONTROL_TABLE
            + " (service, paused, run_once_requested, updated_ms, updated_by) VALUES (?, FALSE, FALSE, ?, ?)")) {
          insert.setString(1, service);
          insert.setLong(2, System.currentTimeMillis());
          insert.setString(3, writer);
          insert.executeUpdate();
        } catch (SQLException raced) {
          // Another writer inserted the row first; the update below applies to it.
        }
        update(c, service, assignment, value);
      }
    } catch (SQLException e) {
      throw failed(operation, e);
    }
  }

  private int update(Connection c, String service, String assignment, boolean value) throws SQLException {
    try (PreparedStatement update = c.prepareStatement("UPDATE " + CONTROL_TABLE + " SET " + assignment
        + ", updated_ms = ?, updated_by = ? WHERE service = ?")) {
      update.setBoolean(1, value);
      update.setLong(2, System.currentTimeMillis());
      update.setString(3, writer);
      update.setString(4, service);
      return update.executeUpdate();
    }
  }

  private DatabaseException failed(String operation, SQLException e) {
    return new DatabaseException("Cannot " + operation + " in " + database.url() + ": " + e.getMessage(), e);
  }
}
