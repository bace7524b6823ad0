package dev.loopwork.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the databases Loopwork supports, in one class per database. Everything else is plain SQL
 * that all of them accept. The dialect is detected from the connection's metadata.
 */
public abstract class Dialect {

  /** The dialect of the database behind {@code connection}. */
  public static Dialect detect(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    return forProduct(product);
  }

  /**
   * The dialect for a database product name as JDBC reports it ({@code PostgreSQL}, {@code H2}).
   *
   * @throws IllegalArgumentException if Loopwork does not support the product
   */
  public static Dialect forProduct(String product) {
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("postgresql")) {
      return PostgresDialect.INSTANCE;
    }
    if (name.equals("h2")) {
      return H2Dialect.INSTANCE;
    }
    throw new IllegalArgumentException(
        "database product not supported by Loopwork: \"" + product + "\" (supported: PostgreSQL, H2)");
  }

  /** The database's name for messages, e.g. {@code PostgreSQL}. */
  public abstract String name();

  /** An SQL expression for the database's current time in milliseconds since the epoch: the leases' clock. */
  public String nowMillis() {
    return "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)";
  }

  /** The column definition of a generated 64-bit primary key. */
  public String identityPrimaryKey() {
    return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
  }

  /**
   * Takes the lock that serialises schema migrations across processes, inside the current transaction of {@code
   * connection}; it is released when that transaction ends.
   */
  public abstract void lockSchemaMigration(Connection connection) throws SQLException;

  /** Whether {@code e} says that a row with the same key already exists. */
  public boolean isDuplicateKey(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && "23505".equals(((SQLException) t).getSQLState())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return name();
  }
}
