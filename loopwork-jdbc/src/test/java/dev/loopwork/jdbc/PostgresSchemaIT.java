package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The schema contract on PostgreSQL, and what is PostgreSQL's own. */
class PostgresSchemaIT extends SchemaContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }

  @Override
  String product() {
    return "PostgreSQL";
  }

  @Test
  void theHandleShowsTheUrl() {
    assertThat(database).hasToString("Database[PostgreSQL " + fresh().url() + "]");
  }

  /** PostgreSQL takes the printed SQL as one script (psql -f, a migration tool). */
  @Test
  void printedSqlRunsAsOneScript() throws Exception {
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute(LoopworkSchema.sql(product()));
    }
    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    LoopworkSchema.create(database);
  }

  @Test
  void unknownRoleIsAClearErrorWithoutThePassword() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url(fresh().url())
                    .user("loopwork_nobody")
                    .password("s3cret")
                    .build())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("Cannot connect to " + fresh().url() + " as user loopwork_nobody")
        .satisfies(e -> assertThat(DatabaseTest.fullTrace(e)).doesNotContain("s3cret"));
  }
}
