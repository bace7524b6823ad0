package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory H2 databases for unit tests, one fresh database per call. */
final class TestDatabases {
  private static final AtomicInteger COUNT = new AtomicInteger();

  private TestDatabases() {}

  /** The URL of a new, empty in-memory H2 database that lives until the JVM ends. */
  static String h2Url() {
    return "jdbc:h2:mem:loopwork-test-" + COUNT.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
  }

  /** A new in-memory H2 database. */
  static Database h2() {
    return Database.builder().url(h2Url()).build();
  }

  /**
   * A new in-memory H2 database as a {@link FreshDatabase}, for contracts that also run on servers.
   */
  static FreshDatabase h2Fresh() {
    String url = h2Url();
    return new FreshDatabase() {
      @Override
      public Database open() {
        return Database.builder().url(url).build();
      }

      @Override
      public String url() {
        return url;
      }

      @Override
      public String user() {
        return "sa";
      }

      @Override
      public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
            Statement s = c.createStatement()) {
          s.execute("DROP ALL OBJECTS");
        }
      }
    };
  }
}
