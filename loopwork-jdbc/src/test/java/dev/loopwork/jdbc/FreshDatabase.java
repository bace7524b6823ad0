package dev.loopwork.jdbc;

import java.sql.SQLException;

/** A database made on a real server for one test class or test, dropped when closed. */
interface FreshDatabase extends AutoCloseable {
  /** A pooled handle on this database. */
  Database open();

  /** Its JDBC URL, for another process to connect with {@link #user()} (the servers trust it). */
  String url();

  /** The user to connect as. */
  String user();

  /** Drops the database. */
  @Override
  void close() throws SQLException;
}
