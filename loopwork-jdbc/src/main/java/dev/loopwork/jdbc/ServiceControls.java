package dev.loopwork.jdbc;

import static dev.loopwork.jdbc.LoopworkSchema.CONTROL_TABLE;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Operators' requests to every process that shares the database, kept in {@value
 * LoopworkSchema#PREFIX} service_control: whether a service is paused, and whether one extra
 * iteration of it is asked for. A command line or an admin endpoint writes them with {@link
 * #setPaused} and {@link #requestRunOnce}; every process that runs services reads them with {@link
 * #readAll} about every second and applies them, and the one process that should run a requested
 * iteration takes the request with {@link #claimRunOnce}, which succeeds for exactly one caller.
 * What a pause means to a process (iterations held back, or the service stopped) is the host's
 * choice; this class only stores the flags.
 *
 * <pre>{@code
 * ServiceControls controls = ServiceControls.of(database, "admin-console");
 * controls.setPaused("expire-sessions", true);   // every replica stops running it within its next poll
 * controls.requestRunOnce("expire-sessions");    // one replica runs one iteration, paused or not
 * }</pre>
 *
 * <p>The tables must exist ({@link LoopworkSchema#create}, which {@link JdbcLoopRuntime} calls).
 * Thread-safe; every call takes a connection of its own and commits before it returns.
 */
public final class ServiceControls {
  /** The longest service name and writer name the table holds. */
  public static final int MAX_NAME_LENGTH = 200;

  private final Database database;
  private final String writer;

  private ServiceControls(Database database, String writer) {
    this.database = database;
    this.writer = writer;
  }

  /**
   * The controls in {@code database}; {@code writer} (a replica id, {@code cli}, ...) is recorded
   * with each change.
   *
   * @throws IllegalArgumentException if {@code writer} is blank or longer than {@value
   *     #MAX_NAME_LENGTH}
   */
  public static ServiceControls of(Database database, String writer) {
    return new ServiceControls(
        Objects.requireNonNull(database, "database"), requireName("writer", writer));
  }

  /**
   * The flags of one service.
   *
   * @param paused whether an operator paused it everywhere
   * @param runOnceRequested whether an operator asked for one iteration that no process has claimed
   *     yet
   */
  public record Control(boolean paused, boolean runOnceRequested) {
    /** The flags of a service that no operator has steered: not paused, nothing requested. */
    public static final Control NONE = new Control(false, false);
  }

  /**
   * Pauses or resumes {@code service} everywhere. Idempotent.
   *
   * @throws IllegalArgumentException if {@code service} is blank or longer than {@value
   *     #MAX_NAME_LENGTH}
   * @throws DatabaseException if the database refuses
   */
  public void setPaused(String service, boolean paused) {
    write(
        requireName("service", service),
        "paused = ?",
        paused,
        (paused ? "pause " : "resume ") + service);
  }

  /**
   * Asks for one iteration of {@code service} now, paused or not; requests made before one is
   * claimed count as one.
   *
   * @throws IllegalArgumentException if {@code service} is blank or longer than {@value
   *     #MAX_NAME_LENGTH}
   * @throws DatabaseException if the database refuses
   */
  public void requestRunOnce(String service) {
    write(
        requireName("service", service),
        "run_once_requested = ?",
        true,
        "request a run of " + service);
  }

  /**
   * The flags of every service an operator has steered, by name; a service that is not in the map
   * has {@link Control#NONE}.
   *
   * @throws DatabaseException if the table cannot be read
   */
  public Map<String, Control> readAll() {
    Map<String, Control> all = new HashMap<>();
    try (Connection c = database.connection();
        PreparedStatement select =
            c.prepareStatement("SELECT service, paused, run_once_requested FROM " + CONTROL_TABLE);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        all.put(rs.getString(1), new Control(rs.getBoolean(2), rs.getBoolean(3)));
      }
    } catch (SQLException e) {
      throw failed("read " + CONTROL_TABLE, e);
    }
    return all;
  }

  /**
   * Takes the pending run-once request of {@code service}, atomically: of the processes that call
   * this for one request, exactly one gets {@code true}; it should then run the iteration.
   *
   * @return whether this caller took a request
   * @throws DatabaseException if the database refuses
   */
  public boolean claimRunOnce(String service) {
    try (Connection c = database.connection();
        PreparedStatement claim =
            c.prepareStatement(
                "UPDATE "
                    + CONTROL_TABLE
                    + " SET run_once_requested = FALSE WHERE service = ? AND run_once_requested = TRUE")) {
      claim.setString(1, service);
      return claim.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failed("claim the run-once request of " + service, e);
    }
  }

  private void write(String service, String assignment, boolean value, String operation) {
    try (Connection c = database.connection()) {
      if (update(c, service, assignment, value) == 0) {
        insertUnlessPresent(c, service);
        update(c, service, assignment, value);
      }
    } catch (SQLException e) {
      throw failed(operation, e);
    }
  }

  private void insertUnlessPresent(Connection c, String service) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO "
                + CONTROL_TABLE
                + " (service, paused, "
                + "run_once_requested, updated_ms, updated_by) VALUES (?, FALSE, FALSE, "
                + database.dialect().nowMillis()
                + ", ?)")) {
      insert.setString(1, service);
      insert.setString(2, writer);
      insert.executeUpdate();
    } catch (SQLException e) {
      // Another writer inserted the row first: the caller's update applies to it.
      if (!database.dialect().isDuplicateKey(e)) {
        throw e;
      }
    }
  }

  private int update(Connection c, String service, String assignment, boolean value)
      throws SQLException {
    try (PreparedStatement update =
        c.prepareStatement(
            "UPDATE "
                + CONTROL_TABLE
                + " SET "
                + assignment
                + ", updated_ms = "
                + database.dialect().nowMillis()
                + ", updated_by = ? WHERE service = ?")) {
      update.setBoolean(1, value);
      update.setString(2, writer);
      update.setString(3, service);
      return update.executeUpdate();
    }
  }

  private static String requireName(String what, String name) {
    Objects.requireNonNull(name, what);
    if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          what + " must be 1 to " + MAX_NAME_LENGTH + " characters, not blank: \"" + name + "\"");
    }
    return name;
  }

  private DatabaseException failed(String operation, SQLException e) {
    return new DatabaseException(
        "Cannot " + operation + " in " + database.url() + ": " + e.getMessage(), e);
  }
}
