package dev.loopwork.jdbc;

import static dev.loopwork.jdbc.LoopworkSchema.RUN_TABLE;

import dev.loopwork.IterationOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the run journal ({@value LoopworkSchema#PREFIX}run) that {@link JdbcLoopRuntime} writes:
 * the iterations of coordinated services on every replica that shares the database, for status
 * pages and charts. It only reads; entries appear a fraction of a second after their iteration
 * ends, as the journal writes in the background. Thread-safe.
 */
public final class RunHistory {
  private final Database database;

  private RunHistory(Database database) {
    this.database = database;
  }

  /** The journal in {@code database}. */
  public static RunHistory of(Database database) {
    return new RunHistory(Objects.requireNonNull(database, "database"));
  }

  /**
   * One iteration in the journal.
   *
   * @param service the service's name
   * @param replicaId the replica that ran it
   * @param startedAt when it started
   * @param duration how long it took
   * @param outcome how it ended
   * @param error a summary of its error, or null
   * @param fencingToken the fencing token of the lease it ran under, or null for a service that
   *     runs on every replica
   */
  public record Run(
      String service,
      String replicaId,
      Instant startedAt,
      Duration duration,
      IterationOutcome outcome,
      String error,
      Long fencingToken) {}

  /**
   * The last {@code limit} iterations of {@code service}, oldest first.
   *
   * @throws IllegalArgumentException if {@code limit} is less than 1
   * @throws DatabaseException if the journal cannot be read
   */
  public List<Run> recent(String service, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    try (Connection c = database.connection()) {
      List<Run> runs = latest(c, service, limit);
      Collections.reverse(runs);
      return runs;
    } catch (SQLException e) {
      throw failed("the recent runs of " + service, e);
    }
  }

  /**
   * The latest iteration of each of {@code services} that has one in the journal, by name; one
   * indexed query per service.
   *
   * @throws DatabaseException if the journal cannot be read
   */
  public Map<String, Run> last(Collection<String> services) {
    Map<String, Run> last = new HashMap<>();
    try (Connection c = database.connection()) {
      for (String service : services) {
        latest(c, service, 1).forEach(run -> last.put(service, run));
      }
    } catch (SQLException e) {
      throw failed("the last runs of " + services, e);
    }
    return last;
  }

  /**
   * When the last successful iteration of each of {@code services} that has one in the journal
   * ended (on any replica), by name; one indexed query per service.
   *
   * @throws DatabaseException if the journal cannot be read
   */
  public Map<String, Instant> lastSuccesses(Collection<String> services) {
    Map<String, Instant> ends = new HashMap<>();
    try (Connection c = database.connection();
        PreparedStatement select =
            c.prepareStatement(
                "SELECT started_at, duration_us FROM "
                    + RUN_TABLE
                    + " WHERE service = ? AND outcome = '"
                    + IterationOutcome.SUCCEEDED.name()
                    + "' ORDER BY started_at DESC FETCH FIRST 1 ROWS ONLY")) {
      for (String service : services) {
        select.setString(1, service);
        try (ResultSet rs = select.executeQuery()) {
          if (rs.next()) {
            Instant started = database.dialect().timestampValue(rs, 1);
            ends.put(service, started.plusNanos(rs.getLong(2) * 1_000));
          }
        }
      }
    } catch (SQLException e) {
      throw failed("the last successes of " + services, e);
    }
    return ends;
  }

  private List<Run> latest(Connection c, String service, int limit) throws SQLException {
    List<Run> runs = new ArrayList<>();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT replica_id, started_at, duration_us, outcome, error, fencing_token "
                + "FROM "
                + RUN_TABLE
                + " WHERE service = ? ORDER BY started_at DESC, id DESC FETCH FIRST "
                + limit
                + " ROWS ONLY")) {
      select.setString(1, service);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          runs.add(
              new Run(
                  service,
                  rs.getString(1),
                  database.dialect().timestampValue(rs, 2),
                  Duration.ofNanos(rs.getLong(3) * 1_000),
                  IterationOutcome.valueOf(rs.getString(4)),
                  rs.getString(5),
                  rs.getObject(6, Long.class)));
        }
      }
    }
    return runs;
  }

  private DatabaseException failed(String what, SQLException e) {
    return new DatabaseException(
        "Cannot read "
            + what
            + " from "
            + RUN_TABLE
            + " in "
            + database.url()
            + ": "
            + e.getMessage(),
        e);
  }
}
