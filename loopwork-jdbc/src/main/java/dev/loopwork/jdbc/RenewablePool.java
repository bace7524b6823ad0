package dev.loopwork.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.internal.DaemonThreads;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connection pool that Loopwork makes for a {@link Database}, as one {@link DataSource} whose
 * pool can be replaced by a fresh one. After an outage HikariCP's connection adder keeps backing
 * off (up to 5 s between attempts), so the first connection after the database is back could come
 * seconds late; when Loopwork sees the database accept connections again (its session connection is
 * back), {@link #renew()} swaps in a new pool, which connects at once, and retires the old one once
 * its borrowed connections are returned.
 */
final class RenewablePool implements DataSource {
  /** How long a retired pool may keep connections that are still borrowed before it is closed. */
  private static final long RETIRE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final HikariConfig config;
  private final AtomicInteger generation = new AtomicInteger();
  private volatile HikariDataSource current;
  private volatile boolean closed;

  /** A pool on {@code first}, made from {@code config}, which later pools copy. */
  RenewablePool(HikariConfig config, HikariDataSource first) {
    this.config = config;
    this.current = first;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return current.getConnection();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return current.getConnection(username, password);
  }

  /**
   * Replaces the pool with a new one (which connects without any back-off) and retires the old one:
   * it closes once the connections borrowed from it are back, or after 30 s.
   */
  void renew() {
    synchronized (this) {
      if (closed) {
        return;
      }
      HikariConfig fresh = new HikariConfig();
      config.copyStateTo(fresh);
      fresh.setPoolName(config.getPoolName() + "-" + generation.incrementAndGet());
      fresh.setInitializationFailTimeout(-1); // the database may be gone again: connect later
      HikariDataSource old = current;
      current = new HikariDataSource(fresh);
      retire(old);
    }
  }

  private static void retire(HikariDataSource old) {
    old.getHikariPoolMXBean().softEvictConnections();
    DaemonThreads.named(old.getPoolName() + "-retire")
        .newThread(
            () -> {
              long deadline = System.nanoTime() + RETIRE_LIMIT_NANOS;
              // Threads waiting for a connection of the old pool get one once it connects
              // (closing it would leave them waiting for their whole connection timeout).
              while ((old.getHikariPoolMXBean().getActiveConnections() > 0
                      || old.getHikariPoolMXBean().getThreadsAwaitingConnection() > 0)
                  && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
              }
              old.close();
            })
        .start();
  }

  /**
   * Closes the idle connections, and the busy ones when they come back, so that the next statements
   * get fresh connections.
   */
  void evictConnections() {
    HikariDataSource pool = current;
    if (!pool.isClosed() && pool.getHikariPoolMXBean() != null) {
      pool.getHikariPoolMXBean().softEvictConnections();
    }
  }

  /** Closes the pool and every connection in it. */
  void close() {
    synchronized (this) {
      closed = true;
      current.close();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return current.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    current.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    current.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return current.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    return current.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || current.isWrapperFor(type);
  }
}
