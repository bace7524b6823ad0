package dev.loopwork.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopwork.testsupport.RequiredServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium, driven over the DevTools protocol with the JDK's WebSocket client: it
 * opens pages, runs script in them (to read the DOM, click and type as a person would) and takes
 * screenshots. One page; {@link #close} ends the browser.
 */
final class DevToolsBrowser implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Process chromium;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
  private volatile WebSocket socket;

  private DevToolsBrowser(Process chromium) {
    this.chromium = chromium;
  }

  /**
   * The command line of Debian's headless Chromium with its profile in {@code profile}, quiet (no
   * background traffic, updates or first-run pages), to which a test adds what it wants done.
   */
  static List<String> headlessChromium(Path profile) {
    return new ArrayList<>(
        List.of(
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--user-data-dir=" + profile.toAbsolutePath()));
  }

  /** Starts Chromium with its profile in {@code profile} and a 1500x900 page. */
  static DevToolsBrowser start(Path profile) throws IOException {
    Files.createDirectories(profile);
    int port = HostProcess.freePort();
    List<String> command = headlessChromium(profile);
    command.addAll(
        List.of(
            "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=" + port,
            "--remote-allow-origins=*",
            "about:blank"));
    Process chromium;
    try {
      chromium =
          new ProcessBuilder(command)
              .redirectOutput(profile.resolve("chromium.out").toFile())
              .redirectError(profile.resolve("chromium.err").toFile())
              .start();
    } catch (IOException e) {
      RequiredServer.missing(
          "Chromium is needed for the dashboard test; install it with 'apt-get install -y chromium'",
          e);
      throw e;
    }
    HttpClient http = HttpClient.newHttpClient();
    String[] page = new String[1];
    await("Chromium's DevTools endpoint on port " + port)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              if (!chromium.isAlive()) {
                throw new AssertionError(
                    "chromium ended: " + Files.readString(profile.resolve("chromium.err")));
              }
              HttpResponse<String> targets =
                  http.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              for (JsonNode target : JSON.readTree(targets.body())) {
                if (target.path("type").asText().equals("page")) {
                  page[0] = target.get("webSocketDebuggerUrl").asText();
                  return true;
                }
              }
              return false;
            });
    DevToolsBrowser browser = new DevToolsBrowser(chromium);
    browser.socket =
        http.newWebSocketBuilder().buildAsync(URI.create(page[0]), browser.listener()).join();
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", 1500, "height", 900, "deviceScaleFactor", 1, "mobile", false));
    return browser;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      private final StringBuilder message = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        message.append(data);
        if (last) {
          answered(message.toString());
          message.setLength(0);
        }
        ws.request(1);
        return null;
      }
    };
  }

  /** An answer to a call completes it; events are not listened to. */
  private void answered(String text) {
    try {
      JsonNode answer = JSON.readTree(text);
      if (answer.has("id")) {
        CompletableFuture<JsonNode> call = calls.remove(answer.get("id").asInt());
        if (call != null) {
          call.complete(answer);
        }
      }
    } catch (IOException e) {
      calls.values().forEach(c -> c.completeExceptionally(e));
    }
  }

  /** Calls DevTools' {@code method} and returns its result. */
  JsonNode call(String method, Map<String, Object> params) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    calls.put(id, answer);
    ObjectNode request = JSON.createObjectNode();
    request.put("id", id);
    request.put("method", method);
    request.set("params", JSON.valueToTree(params));
    socket.sendText(request.toString(), true).join();
    JsonNode reply;
    try {
      reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("DevTools " + method + " did not answer: " + e, e);
    }
    if (reply.has("error")) {
      throw new AssertionError("DevTools " + method + ": " + reply.get("error"));
    }
    return reply.get("result");
  }

  /** Opens {@code url} in the page. */
  void open(String url) {
    call("Page.navigate", Map.of("url", url));
  }

  /**
   * The value of {@code expression}, run in the page (a promise is awaited); an exception in the
   * page fails the test.
   */
  JsonNode evaluate(String expression) {
    JsonNode result =
        call(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new AssertionError("In the page: " + result.get("exceptionDetails"));
    }
    return result.get("result").path("value");
  }

  /** The text of the first element that {@code selector} finds, or "" when there is none. */
  String text(String selector) {
    return evaluate(
            "(() => { const e = document.querySelector("
                + JSON.valueToTree(selector)
                + "); return e ? e.textContent : ''; })()")
        .asText();
  }

  /**
   * The {@code title} of the first element that {@code selector} finds, or "" when there is none.
   */
  String title(String selector) {
    return evaluate(
            "(() => { const e = document.querySelector("
                + JSON.valueToTree(selector)
                + "); return e ? e.title : ''; })()")
        .asText();
  }

  /** How many elements {@code selector} finds. */
  int count(String selector) {
    return evaluate("document.querySelectorAll(" + JSON.valueToTree(selector) + ").length").asInt();
  }

  /** Clicks the first element that {@code selector} finds; fails if there is none. */
  void click(String selector) {
    boolean clicked =
        evaluate(
                "(() => { const e = document.querySelector("
                    + JSON.valueToTree(selector)
                    + "); if (!e) return false; e.click(); return true; })()")
            .asBoolean();
    if (!clicked) {
      throw new AssertionError("nothing to click at " + selector);
    }
  }

  /** Saves a PNG screenshot of the page to {@code file}. */
  void screenshot(Path file) throws IOException {
    JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.abort();
    }
    chromium.destroy();
    try {
      if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
        chromium.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      chromium.destroyForcibly();
    }
  }
}
