package dev.loopwork.cli;

import java.nio.file.Path;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDBC drivers in the jars of the plugins folder (those a jar declares in {@code
 * META-INF/services/java.sql.Driver}), registered with {@link DriverManager} through a {@link
 * DriverShim} each until closed, so that a URL of a database the host does not ship a driver for
 * works once its driver's jar is in the folder.
 */
final class PluginDrivers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PluginDrivers.class);

  private final List<DriverShim> registered;

  private PluginDrivers(List<DriverShim> registered) {
    this.registered = registered;
  }

  /**
   * Registers the drivers that {@code plugins} loads from its own jars (not those of the host,
   * which are registered already). A jar whose driver cannot be loaded is logged and skipped.
   */
  static PluginDrivers register(ClassLoader plugins) {
    List<DriverShim> shims = new ArrayList<>();
    Iterator<Driver> drivers = ServiceLoader.load(Driver.class, plugins).iterator();
    while (hasNext(drivers)) {
      Driver driver;
      try {
        driver = drivers.next();
      } catch (ServiceConfigurationError e) {
        LOG.warn("A JDBC driver in the plugins folder cannot be loaded: {}", e.getMessage());
        continue;
      }
      if (driver.getClass().getClassLoader() != plugins) {
        continue;
      }
      DriverShim shim = new DriverShim(driver);
      try {
        DriverManager.registerDriver(shim);
      } catch (SQLException e) {
        throw new IllegalStateException("DriverManager refused " + shim.driverName(), e);
      }
      shims.add(shim);
      LOG.debug("Registered the JDBC driver {} of the plugins folder", shim.driverName());
    }
    return new PluginDrivers(shims);
  }

  private static boolean hasNext(Iterator<Driver> drivers) {
    try {
      return drivers.hasNext();
    } catch (ServiceConfigurationError e) {
      LOG.warn("The JDBC drivers of the plugins folder cannot be listed: {}", e.getMessage());
      return false;
    }
  }

  /**
   * Why no driver would connect to {@code jdbcUrl}: its URL prefix and where a driver's jar goes
   * ({@code plugins}); empty when a driver of the host or of the plugins folder accepts it.
   */
  static Optional<String> missingDriver(String jdbcUrl, Path plugins) {
    try {
      DriverManager.getDriver(jdbcUrl);
      return Optional.empty();
    } catch (SQLException e) {
      int colon = jdbcUrl.indexOf(':', "jdbc:".length());
      String prefix = colon < 0 ? jdbcUrl : jdbcUrl.substring(0, colon + 1);
      return Optional.of(
          "no JDBC driver in the host accepts "
              + prefix
              + " URLs (the host has PostgreSQL's, MariaDB's and H2's); put the driver's jar into"
              + " the plugins folder ("
              + plugins
              + "), or check the URL");
    }
  }

  /** Deregisters the drivers. Idempotent. */
  @Override
  public void close() {
    for (DriverShim shim : registered) {
      try {
        DriverManager.deregisterDriver(shim);
      } catch (SQLException | SecurityException e) {
        LOG.debug("Cannot deregister {}", shim.driverName(), e);
      }
    }
    registered.clear();
  }
}
