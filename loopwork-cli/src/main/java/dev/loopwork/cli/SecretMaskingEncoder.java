package dev.loopwork.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.loopwork.jdbc.SecretMask;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A Logback encoder that writes what the encoder it wraps writes, with every secret of the host's
 * configuration replaced by {@code ***}: the last line of defence for text that Loopwork does not
 * make itself, such as the message of an exception that a class service throws. The host's logback
 * configurations wrap their encoders in it; {@link #use} sets the secrets once the configuration is
 * read.
 */
public final class SecretMaskingEncoder extends EncoderBase<ILoggingEvent> {
  private static volatile SecretMask mask = SecretMask.of(List.of());

  private Encoder<ILoggingEvent> encoder;

  /** Masks the secrets of {@code secrets} in every line logged from now on, also in JSON lines. */
  static void use(SecretMask secrets) {
    mask = secrets.withJsonEscapes();
  }

  /** The encoder whose output is masked (Logback sets it from the nested {@code <encoder>}). */
  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("SecretMaskingEncoder needs a nested <encoder>");
      return;
    }
    super.start();
  }

  @Override
  public byte[] headerBytes() {
    return encoder.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    byte[] bytes = encoder.encode(event);
    String text = new String(bytes, StandardCharsets.UTF_8);
    String masked = mask.apply(text);
    return masked.equals(text) ? bytes : masked.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return encoder.footerBytes();
  }
}
