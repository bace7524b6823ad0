package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopworkSchemaTest {
  private final Database database = TestDatabases.h2();

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void createMakesTheTablesAtTheLatestVersionAndIsIdempotent() throws SQLException {
    assertThat(LoopworkSchema.version(database)).isZero();
    LoopworkSchema.create(database);
    LoopworkSchema.create(database);

    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    assertThat(count("SELECT COUNT(*) FROM loopwork_schema_version"))
        .isEqualTo(LoopworkSchema.LATEST_VERSION);
    assertThat(
            count("SELECT COUNT(*) FROM loopwork_lease")
                + count("SELECT COUNT(*) FROM loopwork_replica")
                + count("SELECT COUNT(*) FROM loopwork_run"))
        .isZero();
  }

  @Test
  void concurrentCreatesApplyEachMigrationOnce() throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(4);
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      starts.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  barrier.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                LoopworkSchema.create(database);
              }));
    }
    CompletableFuture.allOf(starts.toArray(new CompletableFuture[0])).join();
    assertThat(count("SELECT COUNT(*) FROM loopwork_schema_version"))
        .isEqualTo(LoopworkSchema.LATEST_VERSION);
  }

  @Test
  void printedSqlCreatesTheSchemaThatCreateThenAccepts() throws SQLException {
    String script = LoopworkSchema.sql("H2");
    try (Connection c = database.connection()) {
      SqlScript.run(c, script);
    }
    assertThat(LoopworkSchema.version(database)).isEqualTo(LoopworkSchema.LATEST_VERSION);
    LoopworkSchema.create(database);
    assertThat(count("SELECT COUNT(*) FROM loopwork_schema_version"))
        .isEqualTo(LoopworkSchema.LATEST_VERSION);
  }

  @Test
  void everyTableAndIndexCarriesThePrefix() {
    Matcher names =
        Pattern.compile("CREATE (?:TABLE|INDEX) (?:IF NOT EXISTS )?(\\S+)")
            .matcher(LoopworkSchema.sql("PostgreSQL"));
    List<String> created = new ArrayList<>();
    while (names.find()) {
      created.add(names.group(1));
    }
    assertThat(created)
        .hasSizeGreaterThanOrEqualTo(5)
        .allMatch(n -> n.startsWith(LoopworkSchema.PREFIX));
  }

  @Test
  void newerSchemaThanThisLoopworkIsAClearError() throws SQLException {
    LoopworkSchema.create(database);
    try (Connection c = database.connection();
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO loopwork_schema_version (version, description) VALUES (99, 'future')");
    }
    assertThatThrownBy(() -> LoopworkSchema.create(database))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(
            "schema version 99 but this Loopwork knows versions up to "
                + LoopworkSchema.LATEST_VERSION);
  }

  @Test
  void unsupportedProductIsRejectedByName() {
    assertThatThrownBy(() -> LoopworkSchema.sql("Oracle"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "database product not supported by Loopwork: \"Oracle\" (supported: PostgreSQL, H2, MariaDB)");
  }

  private int count(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
