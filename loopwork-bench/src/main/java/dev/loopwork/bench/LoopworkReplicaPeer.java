package dev.loopwork.bench;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.jdbc.LoopworkSchema;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Loopwork across replicas at its defaults (issue 12): a {@link JdbcLoopRuntime} on the replica's
 * pool with the default lease TTL (10 s, not {@link ReplicaPeer#CLAIM_AFTER_CRASH}: a crash is
 * detected by the end of the replica's database session) and poll interval (200 ms), run journal
 * on, each service started with {@link JdbcLoopRuntime#start}. Closing closes the runtime, which
 * stops the services and releases their leases.
 */
final class LoopworkReplicaPeer implements ReplicaPeer {
  /**
   * Where PgBouncer listens for the {@code loopwork-pgbouncer} row: {@code
   * -Dloopwork.bench.pgbouncer}.
   */
  static final String PGBOUNCER = System.getProperty("loopwork.bench.pgbouncer", "127.0.0.1:6432");

  private final boolean throughPgBouncer;
  private JdbcLoopRuntime runtime;
  private Database database;

  /**
   * Loopwork connecting straight to PostgreSQL, or ({@code throughPgBouncer}) through PgBouncer in
   * transaction mode at {@link #PGBOUNCER}, where a replica falls back to fail-over by the lease
   * TTL.
   */
  LoopworkReplicaPeer(boolean throughPgBouncer) {
    this.throughPgBouncer = throughPgBouncer;
  }

  @Override
  public String id() {
    return throughPgBouncer ? "loopwork-pgbouncer" : "loopwork";
  }

  /**
   * Through PgBouncer: its address instead of the server's, and no server-side prepared statements.
   */
  @Override
  public String url(String databaseUrl) {
    if (!throughPgBouncer) {
      return databaseUrl;
    }
    return databaseUrl.replaceFirst("//[^/]+/", "//" + PGBOUNCER + "/")
        + (databaseUrl.contains("?") ? "&" : "?")
        + "prepareThreshold=0";
  }

  @Override
  public void createTables(DataSource dataSource) {
    try (Database db = Database.of(dataSource)) {
      LoopworkSchema.create(db);
    }
  }

  @Override
  public void start(
      DataSource dataSource,
      String replicaId,
      List<String> services,
      Duration interval,
      Consumer<String> body) {
    database = Database.of(dataSource);
    runtime = JdbcLoopRuntime.builder(database).replicaId(replicaId).build();
    // Signals are the replica process's business (its shutdown hook closes this peer), as for the
    // other peers.
    LoopOptions options = LoopOptions.builder().loopInterval(interval).handleSignals(false).build();
    for (String service : services) {
      runtime.start(LoopService.of(service, options, () -> body.accept(service)));
    }
  }

  /**
   * A fenced transaction: it commits only while this replica holds the lease under the iteration's
   * token.
   */
  @Override
  public void inTransaction(DataSource dataSource, TransactionBody body) throws SQLException {
    database.useTransaction(body::run);
  }

  @Override
  public void close() {
    if (runtime != null) {
      runtime.close();
      database.close();
      runtime = null;
    }
  }
}
