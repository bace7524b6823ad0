package dev.loopwork.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import dev.loopwork.jdbc.Database;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Opens Loopwork's {@link Database} on the database of the application's {@link DataSource}: a small pool of its own
 * with the same URL and credentials. loopwork-jdbc builds its pools itself and cannot adopt an existing DataSource,
 * so the settings are read from the application's pool (HikariCP, Spring Boot's default).
 */
final class DataSourceDatabase {
  /** Leases, journal and health checks need few connections; the application's pool stays the application's. */
  static final int POOL_SIZE = 4;

  private DataSourceDatabase() {}

  /**
   * Opens the database.
   *
   * @throws LoopworkConfigurationException if the DataSource is not a HikariCP pool, whose settings can be read
   */
  static Database open(DataSource dataSource) {
    HikariDataSource hikari;
    try {
      if (!dataSource.isWrapperFor(HikariDataSource.class)) {
        throw notSupported(dataSource);
      }
      hikari = dataSource.unwrap(HikariDataSource.class);
    } catch (SQLException e) {
      throw notSupported(dataSource);
    }
    return Database.builder().url(hikari.getJdbcUrl()).user(hikari.getUsername()).password(hikari.getPassword())
        .maximumPoolSize(POOL_SIZE).build();
  }

  private static LoopworkConfigurationException notSupported(DataSource dataSource) {
    return new LoopworkConfigurationException("Loopwork cannot read the connection settings of the application's "
        + "DataSource (" + dataSource.getClass().getName() + "); declare a dev.loopwork.jdbc.Database bean built "
        + "with Database.builder().url(..).user(..).password(..), or set loopwork.enabled=false");
  }
}
