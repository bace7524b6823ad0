package dev.loopwork.jdbc;

import dev.loopwork.jdbc.internal.JdbcUrls;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Secret values (passwords, tokens, the credentials in a JDBC URL), and texts and errors with each
 * of them replaced by {@code ***}: for driver messages, which echo what they were given, before
 * they are logged, printed or stored.
 */
public final class SecretMask {
  private static final String MASK = "***";
  private final List<String> secrets;

  private SecretMask(Collection<String> secrets) {
    // Longest first, so that a secret that contains another is masked whole.
    this.secrets =
        secrets.stream()
            .filter(Objects::nonNull)
            .filter(s -> !s.isEmpty())
            .distinct()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .toList();
  }

  /** A mask of {@code secrets}; null and empty values are ignored. */
  public static SecretMask of(Collection<String> secrets) {
    return new SecretMask(secrets);
  }

  /**
   * A mask of what a connection's settings hold: the user info of {@code jdbcUrl} ({@code
   * user:secret@}), the values of its parameters named like a password ({@code password=}, {@code
   * sslpassword=}...), and {@code password} (which may be null).
   */
  public static SecretMask ofConnection(String jdbcUrl, String password) {
    List<String> secrets = new ArrayList<>(JdbcUrls.secrets(jdbcUrl));
    secrets.add(password);
    return new SecretMask(secrets);
  }

  /** This mask and {@code more} secrets. */
  public SecretMask and(Collection<String> more) {
    List<String> all = new ArrayList<>(secrets);
    all.addAll(more);
    return new SecretMask(all);
  }

  /**
   * This mask and each of its secrets as it appears inside a JSON string (quotes, backslashes and
   * control characters escaped), for texts written as JSON.
   */
  public SecretMask withJsonEscapes() {
    List<String> all = new ArrayList<>(secrets);
    secrets.stream().map(SecretMask::jsonEscaped).forEach(all::add);
    return new SecretMask(all);
  }

  /** {@code text} as RFC 8259 escapes it in a string, with the short escapes where there are. */
  private static String jsonEscaped(String text) {
    StringBuilder escaped = new StringBuilder();
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"', '\\' -> escaped.append('\\').append(c);
        case '\b' -> escaped.append("\\b");
        case '\t' -> escaped.append("\\t");
        case '\n' -> escaped.append("\\n");
        case '\f' -> escaped.append("\\f");
        case '\r' -> escaped.append("\\r");
        default -> {
          if (c < 0x20) {
            escaped.append(String.format("\\u%04X", (int) c));
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }

  /** {@code text} with every secret replaced by {@code ***}; null stays null. */
  public String apply(String text) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : secrets) {
      masked = masked.replace(secret, MASK);
    }
    return masked;
  }

  /**
   * {@code error} itself if its messages (its own, its causes' and the chained {@link
   * SQLException#getNextException next} ones) show no secret; otherwise a copy with each message
   * masked, the same SQL state, vendor code and stack trace, and the causes replaced by masked
   * copies that keep their class name in the message.
   */
  public SQLException apply(SQLException error) {
    if (!showsSecret(error)) {
      return error;
    }
    SQLException copy =
        new SQLException(apply(error.getMessage()), error.getSQLState(), error.getErrorCode());
    copy.setStackTrace(error.getStackTrace());
    if (error.getCause() != null && error.getCause() != error) {
      copy.initCause(maskedCause(error.getCause()));
    }
    if (error.getNextException() != null) {
      copy.setNextException(apply(error.getNextException()));
    }
    return copy;
  }

  private Throwable maskedCause(Throwable cause) {
    if (cause instanceof SQLException sql) {
      return apply(sql);
    }
    Throwable copy = new Exception(cause.getClass().getName() + ": " + apply(cause.getMessage()));
    copy.setStackTrace(cause.getStackTrace());
    if (cause.getCause() != null && cause.getCause() != cause) {
      copy.initCause(maskedCause(cause.getCause()));
    }
    return copy;
  }

  private boolean showsSecret(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (!Objects.equals(apply(t.getMessage()), t.getMessage())) {
        return true;
      }
      if (t instanceof SQLException sql
          && sql.getNextException() != null
          && showsSecret(sql.getNextException())) {
        return true;
      }
    }
    return false;
  }
}
