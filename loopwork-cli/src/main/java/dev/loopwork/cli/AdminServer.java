package dev.loopwork.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopwork.cli.HostConfig.AdminSettings;
import dev.loopwork.jdbc.DatabaseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint, on Jetty, bound to 127.0.0.1 unless configured otherwise.
 *
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready} (503 until the database answers and the
 *       services run);
 *   <li>{@code GET /metrics}: Prometheus text format;
 *   <li>{@code GET /api/services}, {@code GET /api/services/{name}/runs} (its last {@value
 *       AdminApi#RECENT_RUNS} iterations in the journal, oldest first), {@code GET /api/replicas}
 *       (the live replicas and the leases they hold): JSON;
 *   <li>{@code POST /api/services/{name}/pause|resume|run-once} with {@code Authorization: Bearer
 *       <token>}; a missing or wrong token gets 401 and changes nothing;
 *   <li>{@code GET /}: the dashboard.
 * </ul>
 *
 * <p>Every answer, including those to requests that cannot be parsed, is JSON {@code {"error":
 * "..."}} without stack traces: 400 for a malformed request or URI, 413 for a body above {@value
 * #MAX_BODY_BYTES} bytes, 414 or 431 for a request line or headers above {@value #MAX_HEADER_BYTES}
 * bytes; unexpected errors are logged. While the database does not answer, requests that need it
 * get 503 with a {@code reason} and {@code Retry-After}.
 */
final class AdminServer {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  /** How much of a request's text is shown back, at most. */
  private static final int SHOWN_LENGTH = 120;

  /** The request line and headers together, at most; beyond it a request gets 431. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** The endpoint's threads: one accepts, one selects, the others answer. */
  private static final int THREADS = 6;

  /** A request body, at most; no endpoint reads one, so beyond it a request gets 413. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Pattern SERVICE_PATH = Pattern.compile("/api/services/([^/]+)/([a-z-]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a 503 asks a client to wait before it tries again while the database does not answer. */
  private static final int RETRY_AFTER_SECONDS = 5;

  private final Server server;
  private final ServerConnector connector;
  private final AdminApi api;
  private final byte[] token;
  private final boolean readTokenRequired;

  private AdminServer(AdminSettings settings, AdminApi api) {
    this.api = api;
    this.token = settings.token().map(t -> t.value().getBytes(StandardCharsets.UTF_8)).orElse(null);
    this.readTokenRequired = settings.readTokenRequired();
    // A fixed pool, started with the server: the host's thread count does not move with the
    // requests it serves.
    QueuedThreadPool threads = new QueuedThreadPool(THREADS, THREADS);
    threads.setName("loopwork-admin");
    threads.setDaemon(true);
    // Buffers are not pooled: with Jetty's pool, a request refused as malformed was sometimes
    // answered with stale bytes of a pooled buffer (request bytes, the JSON answer after them, or
    // nothing), seen in AdminFuzzIT; a pooled buffer can hold another client's request, token
    // included. The admin endpoint serves few requests, so fresh buffers cost nothing that matters.
    server = new Server(threads, null, new ByteBufferPool.NonPooling());
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(settings.bind());
    connector.setPort(settings.port());
    connector.setAcceptQueueSize(32);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            answer(request, response, callback);
            return true;
          }
        });
    server.setErrorHandler(AdminServer::answerUnparsable);
  }

  /**
   * Starts serving {@code api} as {@code settings} say.
   *
   * @throws IOException if the port cannot be bound
   */
  static AdminServer start(AdminSettings settings, AdminApi api) throws IOException {
    if (!ConfigReader.isLoopback(settings.bind()) && settings.token().isEmpty()) {
      LOG.warn(
          "The admin endpoint listens on {}, which other machines can reach, and no admin.token is set: it "
              + "answers health checks only until one is",
          settings.bind());
    }
    AdminServer admin = new AdminServer(settings, api);
    try {
      admin.server.start();
    } catch (Exception e) {
      admin.stop();
      throw new IOException(
          "Cannot serve the admin HTTP endpoint on "
              + settings.bind()
              + ":"
              + settings.port()
              + " (set admin.port to a free port, or admin.enabled: false): "
              + e.getMessage(),
          e);
    }
    return admin;
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8432/}. */
  String url() {
    return "http://" + connector.getHost() + ":" + connector.getLocalPort() + "/";
  }

  /** Stops serving; requests in progress get a second to finish. */
  void stop() {
    server.setStopTimeout(1_000);
    try {
      server.stop();
    } catch (Exception e) {
      LOG.debug("Stopping the admin endpoint: {}", e.toString());
    }
  }

  private void answer(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (FleetControl.UnknownServiceException e) {
      sendJson(response, callback, 404, Map.of("error", e.getMessage()));
    } catch (FleetControl.RefusedException e) {
      sendJson(response, callback, 409, Map.of("error", e.getMessage()));
    } catch (DatabaseException e) {
      // An outage, which the host already logs once: the client is told to come back, not that we
      // failed.
      LOG.debug("Admin request {}: {}", describe(request), e.getMessage());
      response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
      sendJson(
          response,
          callback,
          503,
          Map.of(
              "error", "the database does not answer; try again later", "reason", e.getMessage()));
    } catch (RuntimeException | IOException e) {
      LOG.error("Admin request {} failed", describe(request), e);
      sendJson(
          response,
          callback,
          500,
          Map.of("error", "internal error; the host's log has the details"));
    }
  }

  private void route(Request request, Response response, Callback callback) throws IOException {
    String method = request.getMethod();
    String path = request.getHttpURI().getDecodedPath();
    if (request.getLength() > MAX_BODY_BYTES) {
      sendJson(
          response,
          callback,
          413,
          Map.of("error", "a request body is at most " + MAX_BODY_BYTES + " bytes"));
      return;
    }
    Matcher service = SERVICE_PATH.matcher(path);
    if (service.matches() && !ConfigReader.SERVICE_NAME.matcher(service.group(1)).matches()) {
      sendJson(
          response,
          callback,
          400,
          Map.of(
              "error",
              "not a service name (lower-case letters, digits, '-' and "
                  + "'_', at most 100): "
                  + printable(service.group(1))));
      return;
    }
    if (service.matches() && !service.group(2).equals("runs")) {
      FleetControl.Action action = FleetControl.Action.of(service.group(2));
      if (action == null) {
        sendJson(response, callback, 404, Map.of("error", "no such action: " + service.group(2)));
      } else if (!method.equals("POST")) {
        sendJson(response, callback, 405, Map.of("error", "use POST"));
      } else if (!authorized(request)) {
        refuse(response, callback);
      } else {
        api.apply(action, service.group(1));
        sendJson(
            response,
            callback,
            202,
            Map.of("service", service.group(1), "action", action.text(), "accepted", true));
      }
      return;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      sendJson(response, callback, 405, Map.of("error", "use GET"));
      return;
    }
    if (readTokenRequired
        && !path.startsWith("/health/")
        && !path.equals("/")
        && !authorized(request)) {
      refuse(response, callback);
      return;
    }
    if (service.matches()) {
      sendJson(response, callback, 200, api.runs(service.group(1)));
      return;
    }
    switch (path) {
      case "/" -> send(response, callback, 200, "text/html; charset=utf-8", dashboard());
      case "/health/live" -> sendJson(response, callback, 200, Map.of("live", true));
      case "/health/ready" -> {
        Map<String, Boolean> checks = api.readiness();
        boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
        sendJson(response, callback, ready ? 200 : 503, Map.of("ready", ready, "checks", checks));
      }
      case "/metrics" ->
          send(
              response,
              callback,
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              api.metrics().getBytes(StandardCharsets.UTF_8));
      case "/api/services" -> sendJson(response, callback, 200, api.services());
      case "/api/replicas" -> sendJson(response, callback, 200, api.replicas());
      default ->
          sendJson(response, callback, 404, Map.of("error", "not found: " + printable(path)));
    }
  }

  /**
   * The answer to a request that never reached {@link #route}: one Jetty refused while parsing it
   * (a malformed request line or URI, headers too large), as JSON with the status Jetty chose.
   */
  private static boolean answerUnparsable(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    String reason = HttpStatus.getMessage(status);
    Object detail = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
    String error =
        switch (status) {
          case 414, 431 ->
              "the request line and headers are at most " + MAX_HEADER_BYTES + " bytes";
          case 413 -> "a request body is at most " + MAX_BODY_BYTES + " bytes";
          case 400 ->
              detail == null || detail.toString().equals(reason)
                  ? "malformed request"
                  : "malformed request: " + printable(detail.toString()).toLowerCase(Locale.ROOT);
          default -> reason.toLowerCase(Locale.ROOT);
        };
    sendJson(response, callback, status, Map.of("error", error));
    return true;
  }

  /**
   * Request text as it may be shown in a log line or an answer: control characters escaped ({@code
   * \u000a}), so that a request cannot forge a line, and cut to {@value #SHOWN_LENGTH} characters.
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
  private static String describe(Request request) {
    return printable(request.getMethod() + " " + request.getHttpURI().getDecodedPath());
  }

  /** 401: the request needs the bearer token. */
  private void refuse(Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    String noToken = readTokenRequired ? "answers health checks only" : "accepts no changes";
    sendJson(
        response,
        callback,
        401,
        Map.of(
            "error",
            token == null
                ? "no admin token is configured (admin.token), so the admin API " + noToken
                : "a valid bearer token is required"));
  }

  private boolean authorized(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (token == null || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(
        token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] dashboard() throws IOException {
    try (InputStream in = AdminServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IOException("dashboard.html is missing from the jar");
      }
      return in.readAllBytes();
    }
  }

  private static void sendJson(Response response, Callback callback, int status, Object body) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      callback.failed(e);
      return;
    }
    send(response, callback, status, "application/json", json);
  }

  /** Answers with {@code body}; for HEAD, Jetty sends the headers only. */
  private static void send(
      Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
