package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import dev.loopwork.jdbc.SecretMask;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 14: the host's log encoders mask the configuration's secrets in text Loopwork does not make
 * itself, such as the message and stack trace of an exception a class service throws.
 */
class SecretMaskingEncoderTest {
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @AfterEach
  void forgetTheSecrets() {
    SecretMaskingEncoder.use(SecretMask.of(List.of()));
  }

  @Test
  void textLinesShowNoSecretInTheMessageOrTheStackTrace() {
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern("%msg%n");
    text.setCharset(StandardCharsets.UTF_8);

    String line = encode(text, "calling with key-Secret-9");

    assertThat(line)
        .contains("calling with ***", "IllegalStateException: refused key ***")
        .doesNotContain("key-Secret-9");
  }

  @Test
  void jsonLinesShowNoSecretAlsoWhereJsonEscapesIt() {
    JsonEncoder json = new JsonEncoder();
    json.setContext(context);

    String line = encode(json, "calling with key-Secret-9");

    assertThat(line).contains("calling with ***").doesNotContain("key-Secret-9", "Secret\\\"9");
  }

  private String encode(Encoder<ILoggingEvent> inner, String message) {
    inner.start();
    SecretMaskingEncoder masking = new SecretMaskingEncoder();
    masking.setContext(context);
    masking.setEncoder(inner);
    masking.start();
    SecretMaskingEncoder.use(SecretMask.of(List.of("key-Secret-9", "quote-Secret\"9")));
    LoggingEvent event =
        new LoggingEvent(
            "test",
            context.getLogger("loopwork.services.leaky"),
            Level.ERROR,
            message + " and quote-Secret\"9",
            new IllegalStateException("refused key key-Secret-9"),
            null);
    return new String(masking.encode(event), StandardCharsets.UTF_8);
  }
}
