package dev.loopwork.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdbcUrlsTest {

  @Test
  void redactRemovesUserInfoAndParameters() {
    assertThat(
            JdbcUrls.redact("jdbc:postgresql://app:hunter2@db:5432/app?sslpassword=x&password=y"))
        .isEqualTo("jdbc:postgresql://db:5432/app");
    assertThat(JdbcUrls.redact("jdbc:h2:mem:x;PASSWORD=hunter2")).isEqualTo("jdbc:h2:mem:x");
    assertThat(JdbcUrls.redact(null)).isEqualTo("null");
  }

  /** Issue 14: a driver's message that echoes the URL's host part shows none of its secrets. */
  @Test
  void secretsAreTheUserInfoAndThePasswordParameters() {
    String url =
        "jdbc:postgresql://app:hunter2@db:5432/app?sslpassword=ssl-x&password=param-y&user=app";

    assertThat(JdbcUrls.secrets(url)).containsExactly("app:hunter2", "ssl-x", "param-y");
    assertThat(JdbcUrls.secrets("jdbc:h2:mem:x")).isEmpty();
  }

  @Test
  void subprotocolIsTheDriverName() {
    assertThat(JdbcUrls.subprotocol("jdbc:PostgreSQL://db/app")).isEqualTo("postgresql");
    assertThat(JdbcUrls.subprotocol("postgres://db/app")).isEmpty();
  }
}
