package dev.loopwork.jdbc;

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
}
