package dev.loopwork.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Opens the connections that Loopwork keeps for a long time (a replica's session lock, the watch of
 * another replica's): outside the pool where the pool's settings say how to connect, so that they
 * never take a connection from the services or the application, and aborting one is nothing the
 * pool sees or logs; from the pool otherwise, whose size must then allow for them.
 */
@FunctionalInterface
interface DedicatedConnections {
  /** A new connection; the caller closes it. */
  Connection open() throws SQLException;

  /** Connections with the URL, credentials and driver properties of a HikariCP configuration. */
  static DedicatedConnections outside(HikariConfig config) {
    return () -> {
      Properties properties = new Properties();
      properties.putAll(config.getDataSourceProperties());
      if (config.getUsername() != null) {
        properties.setProperty("user", config.getUsername());
      }
      if (config.getPassword() != null) {
        properties.setProperty("password", config.getPassword());
      }
      return DriverManager.getConnection(config.getJdbcUrl(), properties);
    };
  }

  /**
   * For a {@link DataSource} that Loopwork did not make: outside it if it is a HikariCP pool
   * configured by URL with a driver that {@link DriverManager} knows (an application's usual pool),
   * else from it.
   */
  static DedicatedConnections of(DataSource source) throws SQLException {
    if (source.isWrapperFor(HikariDataSource.class)) {
      HikariDataSource pool = source.unwrap(HikariDataSource.class);
      if (pool.getJdbcUrl() != null && knowsDriver(pool.getJdbcUrl())) {
        return outside(pool);
      }
    }
    return source::getConnection;
  }

  private static boolean knowsDriver(String url) {
    try {
      DriverManager.getDriver(url);
      return true;
    } catch (SQLException noDriver) {
      return false;
    }
  }
}
