package dev.loopwork.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes JDBC URLs safe to show: user info and every parameter that may carry a secret are removed.
 */
public final class JdbcUrls {
  // user:password@ in the authority part, as in jdbc:postgresql://user:secret@host/db
  private static final Pattern USER_INFO = Pattern.compile("//[^/@?;]*@");
  // Everything after '?' or the first ';' parameter: drivers put user, password, sslpassword...
  // there.
  private static final Pattern PARAMETERS = Pattern.compile("[?;].*$");
  private static final Pattern USER_INFO_TEXT = Pattern.compile("//([^/@?;]*)@");
  // password=..., sslpassword=..., any parameter whose name ends in "password", up to the next
  // separator
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)[a-z_.]*password=([^&;]*)");

  private JdbcUrls() {}

  /** The URL without user info and parameters, e.g. {@code jdbc:postgresql://db:5432/app}. */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    String withoutUser = USER_INFO.matcher(url).replaceFirst("//");
    return PARAMETERS.matcher(withoutUser).replaceFirst("");
  }

  /**
   * The secrets that {@code url} holds: its user info ({@code user:secret@}) and the values of its
   * parameters named like a password. Drivers echo what they could not parse, host and user info
   * included.
   */
  public static List<String> secrets(String url) {
    List<String> secrets = new ArrayList<>();
    if (url != null) {
      Matcher userInfo = USER_INFO_TEXT.matcher(url);
      if (userInfo.find()) {
        secrets.add(userInfo.group(1));
      }
      Matcher parameter = PASSWORD_PARAMETER.matcher(url);
      while (parameter.find()) {
        secrets.add(parameter.group(1));
      }
    }
    return secrets;
  }

  /**
   * The subprotocol: {@code postgresql} for {@code jdbc:postgresql://...}; empty if the URL is not
   * a JDBC URL.
   */
  public static String subprotocol(String url) {
    if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return "";
    }
    int end = url.indexOf(':', 5);
    return end < 0 ? "" : url.substring(5, end).toLowerCase(Locale.ROOT);
  }
}
