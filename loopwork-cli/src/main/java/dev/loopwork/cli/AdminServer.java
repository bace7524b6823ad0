package dev.loopwork.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loopwork.cli.HostConfig.AdminSettings;
import dev.loopwork.jdbc.DatabaseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint, on the JDK's HTTP server, bound to 127.0.0.1 unless configured otherwise.
 *
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready} (503 until the database answers and the services run);
 *   <li>{@code GET /metrics}: Prometheus text format;
 *   <li>{@code GET /api/services}, {@code GET /api/services/{name}/runs}: JSON;
 *   <li>{@code POST /api/services/{name}/pause|resume|run-once} with {@code Authorization: Bearer <token>}; a
 *       missing or wrong token gets 401 and changes nothing;
 *   <li>{@code GET /}: the dashboard.
 * </ul>
 *
 * <p>Errors are answered as JSON {@code {"error": "..."}} without stack traces; unexpected ones are logged. While
 * the database does not answer, requests that need it get 503 with a {@code reason} and {@code Retry-After}.
 */
final class AdminServer {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  /** How much of a request's text is shown back, at most. */
  private static final int SHOWN_LENGTH = 120;
  private static final Pattern SERVICE_PATH = Pattern.compile("/api/services/([^/]+)/([a-z-]+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What a 503 asks a client to wait before it tries again while the database does not answer. */
  private static final int RETRY_AFTER_SECONDS = 5;

  private final HttpServer server;
  private final ExecutorService executor;
  private final AdminApi api;
  private final byte[] token;
  private final boolean readTokenRequired;

  private AdminServer(HttpServer server, ExecutorService executor, AdminApi api, byte[] token,
      boolean readTokenRequired) {
    this.readTokenRequired = readTokenRequired;
    this.server = server;
    this.executor = executor;
    this.api = api;
    this.token = token;
  }

  /**
   * Starts serving {@code api} as {@code settings} say.
   *
   * @throws IOException if the port cannot be bound
   */
  static AdminServer start(AdminSettings settings, AdminApi api) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.bind(), settings.port()), 32);
    } catch (IOException e) {
      throw new IOException("Cannot serve the admin HTTP endpoint on " + settings.bind() + ":" + settings.port()
          + " (set admin.port to a free port, or admin.enabled: false): " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "loopwork-admin");
      t.setDaemon(true);
      return t;
    });
    byte[] token = settings.token().map(t -> t.value().getBytes(StandardCharsets.UTF_8)).orElse(null);
    if (!ConfigReader.isLoopback(settings.bind()) && token == null) {
      LOG.warn("The admin endpoint listens on {}, which other machines can reach, and no admin.token is set: it "
          + "answers health checks only until one is", settings.bind());
    }
    AdminServer admin = new AdminServer(server, executor, api, token, settings.readTokenRequired());
    server.createContext("/", admin::handle);
    server.setExecutor(executor);
    server.start();
    return admin;
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8432/}. */
  String url() {
    InetSocketAddress address = server.getAddress();
    return "http://" + address.getHostString() + ":" + address.getPort() + "/";
  }

  /** Stops serving; requests in progress get a second to finish. */
  void stop() {
    server.stop(1);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        route(exchange);
      } catch (FleetControl.UnknownServiceException e) {
        sendJson(exchange, 404, Map.of("error", e.getMessage()));
      } catch (DatabaseException e) {
        // An outage, which the host already logs once: the client is told to come back, not that we failed.
        LOG.debug("Admin request {}: {}", describe(exchange), e.getMessage());
        exchange.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        sendJson(exchange, 503, Map.of("error", "the database does not answer; try again later",
            "reason", e.getMessage()));
      } catch (RuntimeException e) {
        LOG.error("Admin request {} failed", describe(exchange), e);
        sendJson(exchange, 500, Map.of("error", "internal error; the host's log has the details"));
      }
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    Matcher service = SERVICE_PATH.matcher(path);
    if (service.matches() && !ConfigReader.SERVICE_NAME.matcher(service.group(1)).matches()) {
      sendJson(exchange, 400, Map.of("error", "not a service name (lower-case letters, digits, '-' and '_', at most "
          + "100): " + printable(service.group(1))));
      return;
    }
    if (service.matches() && !service.group(2).equals("runs")) {
      FleetControl.Action action = FleetControl.Action.of(service.group(2));
      if (action == null) {
        sendJson(exchange, 404, Map.of("error", "no such action: " + service.group(2)));
      } else if (!method.equals("POST")) {
        sendJson(exchange, 405, Map.of("error", "use POST"));
      } else if (!authorized(exchange)) {
        refuse(exchange);
      } else {
        api.apply(action, service.group(1));
        sendJson(exchange, 202, Map.of("service", service.group(1), "action", action.text(), "accepted", true));
      }
      return;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      sendJson(exchange, 405, Map.of("error", "use GET"));
      return;
    }
    if (readTokenRequired && !path.startsWith("/health/") && !path.equals("/") && !authorized(exchange)) {
      refuse(exchange);
      return;
    }
    if (service.matches()) {
      sendJson(exchange, 200, api.runs(service.group(1)));
      return;
    }
    switch (path) {
      case "/" -> send(exchange, 200, "text/html; charset=utf-8", dashboard());
      case "/health/live" -> sendJson(exchange, 200, Map.of("live", true));
      case "/health/ready" -> {
        Map<String, Boolean> checks = api.readiness();
        boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
        sendJson(exchange, ready ? 200 : 503, Map.of("ready", ready, "checks", checks));
      }
      case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
          api.metrics().getBytes(StandardCharsets.UTF_8));
      case "/api/services" -> sendJson(exchange, 200, api.services());
      default -> sendJson(exchange, 404, Map.of("error", "not found: " + printable(path)));
    }
  }

  /**
   * Request text as it may be shown in a log line or an answer: control characters escaped ({@code \u000a}), so that
   * a request cannot forge a line, and cut to {@value #SHOWN_LENGTH} characters.
   */
  static String printable(String text) {
    StringBuilder shown = new StringBuilder();
    int i = 0;
    for (; i < text.length() && shown.length() < SHOWN_LENGTH; i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        shown.append(String.format("\\u%04x", (int) c));
      } else {
        shown.append(c);
      }
    }
    return i < text.length() ? shown + "..." : shown.toString();
  }

  /** The request's method and path, {@link #printable}. */
  private static String describe(HttpExchange exchange) {
    return printable(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
  }

  /** 401: the request needs the bearer token. */
  private void refuse(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
    String noToken = readTokenRequired ? "answers health checks only" : "accepts no changes";
    sendJson(exchange, 401, Map.of("error", token == null
        ? "no admin token is configured (admin.token), so the admin API " + noToken
        : "a valid bearer token is required"));
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (token == null || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] dashboard() throws IOException {
    try (InputStream in = AdminServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IOException("dashboard.html is missing from the jar");
      }
      return in.readAllBytes();
    }
  }

  private static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
