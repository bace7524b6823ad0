package dev.loopwork.jdbc;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.Objects;

/**
 * A loop service that works on the database: {@link #database()} is the {@link JdbcLoopRuntime}'s
 * database, from {@link #onStart()} to {@link #onStop()}, with no global lookup. Start it with
 * {@link JdbcLoopRuntime#start} or {@link JdbcLoopRuntime#runAll}, which hand the database over
 * before {@code onStart} runs.
 *
 * <pre>{@code
 * class DeleteOldRows extends JdbcLoopService {
 *   DeleteOldRows() { super(Duration.ofMinutes(1)); }
 *
 *   @Override protected void runOnce() throws SQLException {
 *     try (Connection c = database().connection();
 *          PreparedStatement delete = c.prepareStatement("DELETE FROM events WHERE created < now() - interval '30 days'")) {
 *       delete.executeUpdate();
 *     }
 *   }
 * }
 * }</pre>
 */
public abstract class JdbcLoopService extends LoopService {
  private volatile Database database;

  /** A service with the class's default interval; see {@link LoopService#LoopService()}. */
  protected JdbcLoopService() {}

  /** A service with the given interval; see {@link LoopService#LoopService(Duration)}. */
  protected JdbcLoopService(Duration loopInterval) {
    super(loopInterval);
  }

  /** A service with the given options; see {@link LoopService#LoopService(LoopOptions)}. */
  protected JdbcLoopService(LoopOptions options) {
    super(options);
  }

  /**
   * A service whose iteration is a lambda that receives the database.
   *
   * @throws IllegalArgumentException if the name is blank or the interval negative
   */
  public static JdbcLoopService of(String name, Duration loopInterval, DatabaseLoopBody body) {
    Objects.requireNonNull(loopInterval, "loopInterval");
    return new LambdaJdbcLoopService(
        name, LoopOptions.builder().loopInterval(loopInterval).build(), body);
  }

  /**
   * The database of the runtime that started this service.
   *
   * @throws IllegalStateException if the service was not started by a {@link JdbcLoopRuntime}
   */
  protected final Database database() {
    Database current = database;
    if (current == null) {
      throw new IllegalStateException(
          "Loop service "
              + name()
              + " has no database: start it with "
              + "JdbcLoopRuntime.start(service) or runAll(services), not with its own start(). Current state: "
              + state());
    }
    return current;
  }

  /** Hands the runtime's database over; a service belongs to one database for its whole life. */
  final void bind(Database runtimeDatabase) {
    synchronized (this) {
      if (database != null && database != runtimeDatabase) {
        throw new IllegalStateException(
            "Loop service "
                + name()
                + " already works on "
                + database
                + "; it cannot also be started on "
                + runtimeDatabase);
      }
      database = runtimeDatabase;
    }
  }

  private static final class LambdaJdbcLoopService extends JdbcLoopService {
    private final String name;
    private final DatabaseLoopBody body;

    LambdaJdbcLoopService(String name, LoopOptions options, DatabaseLoopBody body) {
      super(options);
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank: \"" + name + "\"");
      }
      this.name = name;
      this.body = Objects.requireNonNull(body, "body");
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected void runOnce() throws Exception {
      body.runOnce(database());
    }
  }
}
