package dev.loopwork.jdbc.internal;

import java.sql.Connection;

/**
 * H2, the embedded default. An H2 database belongs to one process, so migrations need only the
 * process-wide lock that the migrator takes anyway.
 */
final class H2Dialect extends Dialect {
  static final H2Dialect INSTANCE = new H2Dialect();

  private H2Dialect() {}

  @Override
  public String name() {
    return "H2";
  }

  @Override
  public void lockSchemaMigration(Connection connection) {
    // One process per H2 database: the migrator's JVM-wide lock is enough.
  }
}
