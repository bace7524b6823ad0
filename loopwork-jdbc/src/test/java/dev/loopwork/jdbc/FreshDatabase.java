package dev.loopwork.jdbc;

import java.sql.SQLException;

/** A database made on a real server for one test class or test, dropped when closed. */
interface FreshDatabase extends AutoCloseable {
  /** A pooled handle on this database. */
  Database open();

  /** Drops the database. */
  @Override
  void close() throws SQLException;
}
