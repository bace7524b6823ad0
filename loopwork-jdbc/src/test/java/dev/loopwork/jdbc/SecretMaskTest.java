package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14: secrets never reach a message that is logged, printed or stored. */
class SecretMaskTest {

  @Test
  void aConnectionsMaskHidesUserInfoPasswordParametersAndThePassword() {
    String url =
        "jdbc:postgresql://app:hunter2@db:5432/app?sslpassword=ssl-x&password=param-y&user=app";

    assertThat(
            SecretMask.ofConnection(url, "pool-z")
                .apply("Connection to app:hunter2@db failed (param-y, ssl-x, " + "pool-z)"))
        .isEqualTo("Connection to ***@db failed (***, ***, ***)");
    assertThat(SecretMask.ofConnection("jdbc:h2:mem:x", null).apply("no secret here"))
        .isEqualTo("no secret here");
  }

  @Test
  void withJsonEscapesASecretIsAlsoMaskedAsAJsonStringWritesIt() {
    SecretMask mask = SecretMask.of(List.of("pa\"ss\\word\n")).withJsonEscapes();

    assertThat(mask.apply("{\"message\":\"login pa\\\"ss\\\\word\\n refused\"}"))
        .isEqualTo("{\"message\":\"login *** refused\"}");
    assertThat(mask.apply("login pa\"ss\\word\n refused")).isEqualTo("login *** refused");
  }

  @Test
  void aSecretThatHoldsAnotherIsMaskedWhole() {
    assertThat(SecretMask.of(List.of("abc", "abcdef")).apply("key abcdef")).isEqualTo("key ***");
  }

  @Test
  void anErrorThatShowsASecretIsCopiedWithEveryMessageMaskedAndItsStateKept() {
    SQLException driver =
        new SQLException(
            "invalid input syntax for type uuid: \"api-key-77\"",
            "22P02",
            7,
            new IllegalStateException("parsing api-key-77"));
    driver.setNextException(new SQLException("batch entry api-key-77 aborted"));
    SecretMask mask = SecretMask.of(List.of("api-key-77"));

    SQLException masked = mask.apply(driver);

    assertThat((Throwable) masked)
        .isNotSameAs(driver)
        .hasMessage("invalid input syntax for type uuid: \"***\"");
    assertThat(masked.getSQLState()).isEqualTo("22P02");
    assertThat(masked.getErrorCode()).isEqualTo(7);
    assertThat(masked.getStackTrace()).isEqualTo(driver.getStackTrace());
    assertThat(masked.getNextException().getMessage()).isEqualTo("batch entry *** aborted");
    StringWriter printed = new StringWriter();
    masked.printStackTrace(new PrintWriter(printed));
    assertThat(printed.toString())
        .doesNotContain("api-key-77")
        .contains("java.lang.IllegalStateException: parsing ***");
  }

  @Test
  void anErrorWithoutASecretIsKeptAsItIs() {
    SQLException driver = new SQLException("relation \"t\" does not exist", "42P01");

    assertThat((Throwable) SecretMask.of(List.of("api-key-77")).apply(driver)).isSameAs(driver);
  }
}
