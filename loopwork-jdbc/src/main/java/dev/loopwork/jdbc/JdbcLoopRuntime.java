package dev.loopwork.jdbc;

import dev.loopwork.LoopClock;
import dev.loopwork.LoopEngine;
import dev.loopwork.LoopHandle;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Runs loop services against one {@link Database}: hands the database to every {@link JdbcLoopService} before its
 * {@code onStart}.
 *
 * <pre>{@code
 * try (Database database = Database.builder().url(url).user(user).password(password).build();
 *      JdbcLoopRuntime runtime = JdbcLoopRuntime.builder(database).build()) {
 *   runtime.runAll(List.of(new DeleteOldRows(), new ExpireSessions()));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing the runtime does not close the database, which the caller owns.
 */
public final class JdbcLoopRuntime implements AutoCloseable {
  private final Database database;
  private final LoopEngine engine;

  private JdbcLoopRuntime(Builder builder) {
    this.database = builder.database;
    LoopEngine.Builder engineBuilder = LoopEngine.builder().clock(builder.clock);
    if (builder.executor != null) {
      engineBuilder.executor(builder.executor);
    }
    builder.listeners.forEach(engineBuilder::listener);
    this.engine = engineBuilder.build();
  }

  /** A builder for a runtime on {@code database}. */
  public static Builder builder(Database database) {
    return new Builder(database);
  }

  /** The database that services of this runtime work on. */
  public Database database() {
    return database;
  }

  /** The engine that runs this runtime's services. */
  public LoopEngine engine() {
    return engine;
  }

  /**
   * Starts {@code service} without blocking, after handing it the database if it is a {@link JdbcLoopService}.
   *
   * @throws IllegalStateException if the service is already running, or belongs to another database
   */
  public LoopHandle start(LoopService service) {
    return engine.start(bind(service));
  }

  /**
   * Runs all {@code services} until they end; see {@link LoopEngine#runAll(Collection)}.
   *
   * @throws IllegalArgumentException if the collection is empty or holds the same service twice
   * @throws IllegalStateException if one of the services is already running
   */
  public void runAll(Collection<? extends LoopService> services) throws InterruptedException {
    List<LoopService> all = new ArrayList<>(services.size());
    for (LoopService service : services) {
      all.add(bind(service));
    }
    engine.runAll(all);
  }

  private LoopService bind(LoopService service) {
    Objects.requireNonNull(service, "service");
    if (service instanceof JdbcLoopService) {
      ((JdbcLoopService) service).bind(database);
    }
    return service;
  }

  /** Releases what the runtime holds; the database stays open. Idempotent. */
  @Override
  public void close() {}

  /** Builds a {@link JdbcLoopRuntime}. */
  public static final class Builder {
    private final Database database;
    private LoopClock clock = LoopClock.system();
    private Executor executor;
    private final List<LoopListener> listeners = new ArrayList<>();

    private Builder(Database database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /** The clock that schedules read (default: the system clock); see {@link LoopEngine.Builder#clock}. */
    public Builder clock(LoopClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The executor of iterations; see {@link LoopEngine.Builder#executor}. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Adds a listener that sees every service of the runtime. */
    public Builder listener(LoopListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The runtime. */
    public JdbcLoopRuntime build() {
      return new JdbcLoopRuntime(this);
    }
  }
}
