package dev.loopwork.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.jdbc.internal.Dialect;
import dev.loopwork.jdbc.internal.JdbcUrls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A pooled connection to the database that loop services maintain and that Loopwork keeps its
 * leases and journal in. With no URL it is an embedded H2 database in a file under {@code
 * ./loopwork-data/}; with a {@code jdbc:postgresql:} URL it is PostgreSQL, the production target;
 * MariaDB works too, with its driver added.
 *
 * <pre>{@code
 * try (Database database = Database.builder()
 *     .url("jdbc:postgresql://db:5432/app").user("app").password(secret).build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Building one connects at once, so a wrong URL, password or missing driver fails here, with a
 * {@link DatabaseException} that names the database. Credentials never appear in its messages, its
 * logs or {@link #toString()}. Thread-safe; {@link #close()} is idempotent.
 */
public final class Database implements AutoCloseable {
  /** Where the embedded database lives when no URL is given: {@code ./loopwork-data}. */
  public static final Path DEFAULT_DATA_DIRECTORY = Path.of("loopwork-data");

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final DataSource source;
  private final RenewablePool ownPool;
  private final DedicatedConnections dedicated;
  private final String redactedUrl;
  private final Dialect dialect;

  /**
   * The connection's credentials and the other secrets of the builder, masked in the errors of
   * transactions and in the run journal: drivers echo what they are given.
   */
  private final SecretMask secrets;

  private volatile boolean closed;

  private Database(
      DataSource source,
      RenewablePool ownPool,
      DedicatedConnections dedicated,
      String redactedUrl,
      Dialect dialect,
      SecretMask secrets) {
    this.source = source;
    this.ownPool = ownPool;
    this.dedicated = dedicated;
    this.redactedUrl = redactedUrl;
    this.dialect = dialect;
    this.secrets = secrets;
  }

  /** The secrets that this database's errors never show. */
  SecretMask secrets() {
    return secrets;
  }

  /**
   * Why {@code jdbcUrl} cannot be used, found without connecting: it is not a JDBC URL, or no
   * driver on the class path accepts it. Empty when a connection can be tried. The text shows the
   * URL without its secrets.
   */
  public static Optional<String> urlProblem(String jdbcUrl) {
    String shown = JdbcUrls.redact(jdbcUrl);
    if (jdbcUrl == null || !jdbcUrl.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return Optional.of(
          "\""
              + shown
              + "\" is not a JDBC URL (they start with jdbc:, as in "
              + "jdbc:postgresql://host:5432/app)");
    }
    try {
      DriverManager.getDriver(jdbcUrl);
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.of(
          "No JDBC driver on the class path accepts "
              + shown
              + ". Add the driver for \""
              + JdbcUrls.subprotocol(jdbcUrl)
              + "\" to the application (for PostgreSQL: org.postgresql:postgresql), "
              + "or check the URL.");
    }
  }

  /**
   * {@code url} without user info and parameters, where drivers keep credentials: safe to print.
   */
  public static String redactUrl(String url) {
    return JdbcUrls.redact(url);
  }

  /**
   * A builder; with nothing set, it builds the embedded H2 database under {@link
   * #DEFAULT_DATA_DIRECTORY}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A database on the connections of an existing {@link DataSource}, such as an application's pool.
   * Loopwork borrows connections from it and never closes it: {@link #close()} only stops this
   * handle.
   *
   * @throws DatabaseException if no connection can be had or the database is not one that Loopwork
   *     supports
   */
  public static Database of(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    try (Connection connection = dataSource.getConnection()) {
      String url = connection.getMetaData().getURL();
      return new Database(
          dataSource,
          null,
          DedicatedConnections.of(dataSource),
          JdbcUrls.redact(url),
          Dialect.detect(connection),
          SecretMask.ofConnection(url, null));
    } catch (SQLException | IllegalArgumentException e) {
      throw new DatabaseException(
          "Cannot use the DataSource "
              + dataSource.getClass().getName()
              + ": "
              + Builder.rootMessage(e),
          e);
    }
  }

  /** The pool, for code that wants a {@link DataSource} (a query library, a migration tool). */
  public DataSource dataSource() {
    return source;
  }

  /**
   * A connection from the pool, in auto-commit mode; close it to return it.
   *
   * @throws SQLException if none can be had within the connection timeout
   */
  public Connection connection() throws SQLException {
    if (closed) {
      throw new SQLException(this + " is closed");
    }
    return source.getConnection();
  }

  /**
   * Runs {@code work} in one transaction on a connection of the pool, and commits it if it returns;
   * rolls it back if it throws, and rethrows that first exception (an error of the rollback is
   * attached to it as suppressed).
   *
   * <p><b>Fenced</b> when called from an iteration of a coordinated service whose lease lives in
   * this database (a {@link JdbcLoopService} under a {@link JdbcLoopRuntime} with replicas, or any
   * service under a {@link LeaseCoordinator} on this database), on the iteration's thread: just
   * before the commit, in the same transaction, it checks that this replica still holds the
   * service's lease under the iteration's fencing token and that the lease has not expired, by the
   * database's clock, and locks the lease's row until the commit, so that no other replica can take
   * the lease in between. If the lease was lost, the transaction is rolled back and a {@link
   * dev.loopwork.LeaseLostException} thrown: the iteration ends as {@link
   * dev.loopwork.IterationOutcome#LEASE_LOST} and the loop goes on without the lease. A stale
   * owner's work thus never commits. Elsewhere, a plain transaction.
   *
   * <p>A driver's error that echoes the connection's credentials (the password, the URL's user info
   * or password parameters) is thrown as a copy with them masked ({@link SecretMask}), with the
   * same SQL state and vendor code.
   *
   * <pre>{@code
   * protected void runOnce() throws SQLException {
   *   database().useTransaction(c -> {
   *     try (PreparedStatement s = c.prepareStatement("UPDATE jobs SET state = 'LATE' WHERE due < now()")) {
   *       s.executeUpdate();
   *     }
   *   });
   * }
   * }</pre>
   *
   * @throws SQLException as thrown by {@code work}, the commit or the check
   */
  public void useTransaction(TransactionWork work) throws SQLException {
    Objects.requireNonNull(work, "work");
    inTransaction(
        connection -> {
          work.run(connection);
          return null;
        });
  }

  /**
   * As {@link #useTransaction}, returning what {@code work} returns.
   *
   * @throws SQLException as thrown by {@code work}, the commit or the check
   */
  public <T> T inTransaction(TransactionFunction<T> work) throws SQLException {
    Objects.requireNonNull(work, "work");
    try (Connection connection = connection()) {
      return Transactions.call(
          connection,
          () -> {
            T result = work.apply(connection);
            Optional<IterationFence> fence = IterationFence.on(this);
            if (fence.isPresent()) {
              fence.get().checkWithCommit(connection);
            }
            return result;
          });
    } catch (SQLException e) {
      IterationFence.on(this).ifPresent(fence -> fence.failed(e));
      throw secrets.apply(e);
    }
  }

  /**
   * The fencing check of {@link #useTransaction}, for transactions that something else manages (a
   * framework's transaction manager): call it last before the commit, on the transaction's
   * connection. In an iteration of a service whose lease lives in this database, checks that the
   * lease is still this replica's under the iteration's token and locks its row until the
   * transaction ends; elsewhere does nothing.
   *
   * @throws dev.loopwork.LeaseLostException if the lease was lost: roll the transaction back
   * @throws IllegalStateException if the check is due and the connection is in auto-commit mode
   * @throws SQLException if the check cannot be made
   */
  public void checkLease(Connection connection) throws SQLException {
    Optional<IterationFence> fence = IterationFence.on(this);
    if (fence.isPresent()) {
      fence.get().check(connection);
    }
  }

  /**
   * Whether transactions on this database are fenced on the calling thread now: it runs an
   * iteration of a coordinated service whose lease lives in this database, so {@link #checkLease}
   * has something to check.
   */
  public boolean isFencing() {
    return IterationFence.on(this).isPresent();
  }

  /** The work of {@link #useTransaction}: statements on the transaction's connection. */
  @FunctionalInterface
  public interface TransactionWork {
    /** Runs the statements; the connection is not to be closed, committed or rolled back here. */
    void run(Connection connection) throws SQLException;
  }

  /**
   * The work of {@link #inTransaction}: statements on the transaction's connection, and a result.
   */
  @FunctionalInterface
  public interface TransactionFunction<T> {
    /**
     * Runs the statements and returns the result; the connection is not to be closed, committed or
     * rolled back.
     */
    T apply(Connection connection) throws SQLException;
  }

  /**
   * A connection of its own for a long-lived task (a session lock, a watch): outside the pool when
   * Loopwork made the pool or the given DataSource is a HikariCP pool configured by URL, so that it
   * never takes a connection from the services; from the given DataSource otherwise, whose size
   * must then allow for it. The caller closes it.
   *
   * @throws SQLException if none can be had
   */
  Connection dedicatedConnection() throws SQLException {
    if (closed) {
      throw new SQLException(this + " is closed");
    }
    return dedicated.open();
  }

  /**
   * Closes the pool's idle connections, and the busy ones when they come back, after a sign that
   * the server ended its sessions (a restart, an administrator): the next statements get fresh
   * connections instead of failing one dead connection after another. Does nothing to a DataSource
   * that Loopwork did not make.
   */
  void evictConnections() {
    if (ownPool != null && !closed) {
      ownPool.evictConnections();
    }
  }

  /**
   * Replaces the pool that Loopwork made with a fresh one, once the database accepts connections
   * again after it had lost them, so that the next statements connect at once instead of after the
   * pool's reconnect back-off; the old pool closes once its borrowed connections are back. Does
   * nothing to a DataSource that Loopwork did not make.
   */
  void renewPool() {
    if (ownPool != null && !closed) {
      ownPool.renew();
    }
  }

  /** The database product: {@code PostgreSQL}, {@code H2} or {@code MariaDB}. */
  public String product() {
    return dialect.name();
  }

  /** The URL without credentials or parameters, safe to log. */
  public String url() {
    return redactedUrl;
  }

  Dialect dialect() {
    return dialect;
  }

  /**
   * Closes the pool and every connection in it; a database made with {@link #of(DataSource)} leaves
   * its DataSource open. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (ownPool != null) {
      ownPool.close();
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return "Database[" + dialect.name() + " " + redactedUrl + "]";
  }

  /** Builds a {@link Database}; every setting is optional. */
  public static final class Builder {
    private String url;
    private String user;
    private String password;
    private Path dataDirectory = DEFAULT_DATA_DIRECTORY;
    private int maximumPoolSize = 10;
    private Duration connectionTimeout = Duration.ofSeconds(5);
    private final List<String> secrets = new ArrayList<>();

    private Builder() {}

    /**
     * The JDBC URL, e.g. {@code jdbc:postgresql://db:5432/app}; {@code null} (the default) means
     * the embedded H2 database in {@link #dataDirectory}.
     */
    public Builder url(String url) {
      this.url = url;
      return this;
    }

    /** The user to connect as; none by default. */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** The password; never logged nor shown. */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /**
     * Other secret values (a token, a password written into a statement) that are masked like the
     * password: in the errors of transactions and in the run journal's error texts.
     */
    public Builder secrets(Collection<String> secrets) {
      this.secrets.addAll(Objects.requireNonNull(secrets, "secrets"));
      return this;
    }

    /**
     * Where the embedded database keeps its file when no URL is given (default {@code
     * ./loopwork-data}).
     */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
      return this;
    }

    /**
     * The largest number of connections in the pool (default 10).
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maximumPoolSize(int maximumPoolSize) {
      if (maximumPoolSize < 1) {
        throw new IllegalArgumentException(
            "maximumPoolSize must be at least 1: " + maximumPoolSize);
      }
      this.maximumPoolSize = maximumPoolSize;
      return this;
    }

    /**
     * How long to wait for a connection, also when the database is down (default 5 s).
     *
     * @throws IllegalArgumentException if shorter than 250 ms, the pool's minimum
     */
    public Builder connectionTimeout(Duration connectionTimeout) {
      Objects.requireNonNull(connectionTimeout, "connectionTimeout");
      if (connectionTimeout.compareTo(Duration.ofMillis(250)) < 0) {
        throw new IllegalArgumentException(
            "connectionTimeout must be at least 250 ms: " + connectionTimeout);
      }
      this.connectionTimeout = connectionTimeout;
      return this;
    }

    /**
     * Connects and returns the database.
     *
     * @throws DatabaseException if no driver accepts the URL, the database cannot be reached or
     *     refuses the credentials, or is not one that Loopwork supports
     */
    public Database build() {
      String jdbcUrl = url != null ? url : embeddedUrl();
      String shown = JdbcUrls.redact(jdbcUrl);
      urlProblem(jdbcUrl)
          .ifPresent(
              problem -> {
                throw new DatabaseException(problem);
              });
      HikariConfig config = new HikariConfig();
      config.setPoolName("loopwork-db-" + POOLS.incrementAndGet());
      config.setJdbcUrl(jdbcUrl);
      config.setUsername(user);
      config.setPassword(password);
      config.setMaximumPoolSize(maximumPoolSize);
      config.setMinimumIdle(Math.min(2, maximumPoolSize));
      config.setConnectionTimeout(connectionTimeout.toMillis());
      config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 2_000));
      HikariDataSource pool;
      try {
        pool = new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw new DatabaseException(
            "Cannot connect to " + shown + asUser() + ": " + masked(rootMessage(e), jdbcUrl), e);
      }
      try (Connection connection = pool.getConnection()) {
        RenewablePool renewable = new RenewablePool(config, pool);
        return new Database(
            renewable,
            renewable,
            DedicatedConnections.outside(config),
            shown,
            Dialect.detect(connection),
            mask(jdbcUrl));
      } catch (SQLException | IllegalArgumentException e) {
        pool.close();
        throw new DatabaseException(
            "Cannot use " + shown + asUser() + ": " + masked(rootMessage(e), jdbcUrl), e);
      }
    }

    private String embeddedUrl() {
      Path directory = dataDirectory.toAbsolutePath();
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new DatabaseException(
            "Cannot create the embedded database's directory " + directory, e);
      }
      return "jdbc:h2:file:" + directory.resolve("loopwork");
    }

    /** {@code message} without the secrets of {@code jdbcUrl}, the password and the others. */
    private String masked(String message, String jdbcUrl) {
      return mask(jdbcUrl).apply(message);
    }

    private SecretMask mask(String jdbcUrl) {
      return SecretMask.ofConnection(jdbcUrl, password).and(secrets);
    }

    private String asUser() {
      return user == null ? "" : " as user " + user;
    }

    static String rootMessage(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
  }
}
