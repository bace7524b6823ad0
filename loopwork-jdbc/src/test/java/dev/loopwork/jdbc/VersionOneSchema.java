package dev.loopwork.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a database held before schema version 2: Loopwork's tables at version 1 and the control
 * table that the loopwork host made for itself, from SQL kept as those versions printed it: {@code
 * schema-v1-mariadb.sql}, and {@code schema-v1-postgresql.sql} for PostgreSQL and H2, for which
 * version 1 printed the same statements.
 */
final class VersionOneSchema {
  private VersionOneSchema() {}

  /**
   * Creates the version-1 tables and the host's control table in {@code database}, which must be
   * empty.
   */
  static void create(FreshDatabaseContract test) throws SQLException {
    String product = test.database.product().equals("MariaDB") ? "mariadb" : "postgresql";
    String resource = "schema-v1-" + product + ".sql";
    String script;
    try (InputStream in = VersionOneSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + resource);
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Connection c = test.database.connection()) {
      SqlScript.run(c, script);
    }
  }
}
