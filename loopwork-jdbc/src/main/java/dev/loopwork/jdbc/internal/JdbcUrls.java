package dev.loopwork.jdbc.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/** Makes JDBC URLs safe to show: user info and every parameter that may carry a secret are removed. */
public final class JdbcUrls {
  // user:password@ in the authority part, as in jdbc:postgresql://user:secret@host/db
  private static final Pattern USER_INFO = Pattern.compile("//[^/@?;]*@");
  // Everything after '?' or the first ';' parameter: drivers put user, password, sslpassword... there.
  private static final Pattern PARAMETERS = Pattern.compile("[?;].*$");

  private JdbcUrls() {}

  /** The URL without user info and parameters, e.g. {@code jdbc:postgresql://db:5432/app}. */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    String withoutUser = USER_INFO.matcher(url).replaceFirst("//");
    return PARAMETERS.matcher(withoutUser).replaceFirst("");
  }

  /** The subprotocol: {@code postgresql} for {@code jdbc:postgresql://...}; empty if the URL is not a JDBC URL. */
  public static String subprotocol(String url) {
    if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return "";
    }
    int end = url.indexOf(':', 5);
    return end < 0 ? "" : url.substring(5, end).toLowerCase(Locale.ROOT);
  }
}
