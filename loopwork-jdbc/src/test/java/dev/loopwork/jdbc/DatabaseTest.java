package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {

  @Test
  void withoutUrlIsAnEmbeddedH2FileInTheDataDirectory(@TempDir Path dir) throws Exception {
    try (Database database = Database.builder().dataDirectory(dir).build()) {
      try (Connection c = database.connection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE app_probe (id INT)");
      }
      assertThat(database.product()).isEqualTo("H2");
      assertThat(database.url()).startsWith("jdbc:h2:file:").endsWith("loopwork");
    }
    assertThat(dir.resolve("loopwork.mv.db")).exists();
  }

  /**
   * Issue 14: a driver message that echoes the connection's password leaves a transaction masked.
   */
  @Test
  void aTransactionsErrorShowsNotThePassword() {
    try (Database database =
        Database.builder().url(TestDatabases.h2Url()).user("sa").password("pw-secret-9").build()) {
      assertThatThrownBy(
              () ->
                  database.useTransaction(
                      c -> c.createStatement().execute("SELECT 'pw-secret-9' FROM no_such_table")))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("'***'")
          .hasMessageNotContaining("pw-secret-9")
          .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("42S04"));
    }
  }

  @Test
  void connectsToTheGivenUrl() throws Exception {
    try (Database database = Database.builder().url(TestDatabases.h2Url()).build();
        Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
      assertThat(database.dataSource().getConnection()).isNotNull().satisfies(Connection::close);
    }
  }

  @Test
  void adoptsAnExistingDataSourceAndLeavesItOpen() throws Exception {
    org.h2.jdbcx.JdbcDataSource application = new org.h2.jdbcx.JdbcDataSource();
    application.setURL(TestDatabases.h2Url());
    try (Connection keepAlive = application.getConnection()) {
      Database database = Database.of(application);
      assertThat(database.product()).isEqualTo("H2");
      assertThat(database.dataSource()).isSameAs(application);
      try (Connection c = database.connection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 6 * 7")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
      database.close();
      assertThat(database.isClosed()).isTrue();
      assertThatThrownBy(database::connection).hasMessageContaining("is closed");
      try (Connection stillOpen = application.getConnection()) {
        assertThat(stillOpen.isValid(1)).isTrue();
      }
    }
  }

  @Test
  void missingDriverNamesTheUrlWithoutSecrets() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url("jdbc:nosuchdb://db.example:1/app?password=hunter2")
                    .password("s3cret")
                    .build())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(
            "No JDBC driver on the class path accepts jdbc:nosuchdb://db.example:1/app")
        .satisfies(e -> assertThat(fullTrace(e)).doesNotContain("hunter2", "s3cret"));
  }

  @Test
  void unreachableDatabaseFailsFastWithoutSecrets() {
    assertThatThrownBy(
            () ->
                Database.builder()
                    .url("jdbc:postgresql://127.0.0.1:1/app?password=hunter2")
                    .user("app")
                    .password("s3cret")
                    .connectionTimeout(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("Cannot connect to jdbc:postgresql://127.0.0.1:1/app as user app")
        .satisfies(e -> assertThat(fullTrace(e)).doesNotContain("hunter2", "s3cret"));
  }

  @Test
  void toStringShowsNoCredentials() {
    String url = TestDatabases.h2Url() + ";PASSWORD=hunter2";
    try (Database database =
        Database.builder().url(TestDatabases.h2Url()).user("sa").password("s3cret").build()) {
      assertThat(database.toString())
          .startsWith("Database[H2 jdbc:h2:mem:")
          .doesNotContain("s3cret", "sa");
    }
    assertThat(dev.loopwork.jdbc.internal.JdbcUrls.redact(url)).doesNotContain("hunter2");
  }

  @Test
  void closeIsIdempotent() {
    Database database = Database.builder().url(TestDatabases.h2Url()).build();
    database.close();
    database.close();
    assertThat(database.isClosed()).isTrue();
  }

  @Test
  void badSettingsNameTheFieldAndValue() {
    assertThatThrownBy(() -> Database.builder().maximumPoolSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumPoolSize must be at least 1: 0");
    assertThatThrownBy(() -> Database.builder().connectionTimeout(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connectionTimeout must be at least 250 ms: PT0.01S");
  }

  static String fullTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
