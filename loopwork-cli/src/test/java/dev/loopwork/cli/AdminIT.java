package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopwork.testsupport.RequiredServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin HTTP endpoint and the dashboard of one running host (H2, a service that succeeds and
 * one that fails): health, metrics, the services API, control with and without the bearer token,
 * and the dashboard as headless Chromium renders it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminIT {
  private static final String TOKEN = "test-token-5f2c";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private HostProcess host;
  private String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void startHost() throws IOException {
    int port = HostProcess.freePort();
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(dir)
            + "\n"
            + "admin:\n  port: "
            + port
            + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n"
            + "services:\n"
            + "  tidy-up:\n    interval: 500ms\n    sql: CREATE TABLE IF NOT EXISTS tidy (id INT)\n"
            + "  always-fails:\n    interval: 500ms\n    sql: DELETE FROM no_such_table\n");
    host =
        HostProcess.start(dir, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c", "loopwork.yaml");
    host.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port + "/");
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  void stopHost() {
    host.terminate();
    assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
    host.close();
  }

  @Test
  void healthEndpoints() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    assertThat(JSON.readTree(get("/health/ready").body()).get("checks").get("database").asBoolean())
        .isTrue();
  }

  @Test
  void metricsInPrometheusFormat() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              HttpResponse<String> metrics = get("/metrics");
              assertThat(metrics.headers().firstValue("Content-Type"))
                  .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
              assertThat(metrics.body())
                  .contains(
                      "loopwork_iterations_total{internal=\"false\",outcome=\"failed\",service=\"always-fails\"}")
                  .contains(
                      "loopwork_iterations_total{internal=\"false\",outcome=\"succeeded\",service=\"tidy-up\"}")
                  .contains("loopwork_leases_held{internal=\"false\",service=\"tidy-up\"} 1.0")
                  // The fleet view is wired: the one replica runs its services, none is on standby.
                  .contains(
                      "loopwork_service_state{internal=\"false\",service=\"tidy-up\",state=\"running\"} 1.0")
                  .contains(
                      "loopwork_service_state{internal=\"false\",service=\"tidy-up\",state=\"standby\"} 0.0");
            });
  }

  @Test
  void servicesApiShowsWhatLsShows() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Map<String, JsonNode> rows = services();
              assertThat(rows).containsKeys("tidy-up", "always-fails", Host.PRUNER);
              assertThat(rows.get("always-fails").get("lastOutcome").asText()).isEqualTo("FAILED");
              assertThat(rows.get("always-fails").get("failuresInRow").asInt()).isPositive();
              assertThat(rows.get("tidy-up").get("lastOutcome").asText()).isEqualTo("SUCCEEDED");
              assertThat(rows.get("tidy-up").get("interval").asText()).isEqualTo("500ms");
              assertThat(Instant.parse(rows.get("tidy-up").get("nextRun").asText()))
                  .isAfter(Instant.parse(rows.get("tidy-up").get("lastStart").asText()));
              assertThat(rows.get("tidy-up").get("owner").asText()).isNotBlank();
              assertThat(rows.get("tidy-up").get("fencingToken").asLong()).isPositive();
              assertThat(Instant.parse(rows.get("tidy-up").get("leaseExpires").asText()))
                  .isAfter(Instant.now());
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode runs = JSON.readTree(get("/api/services/always-fails/runs").body());
              assertThat(runs.size()).isPositive();
              assertThat(runs.get(0).get("outcome").asText()).isEqualTo("FAILED");
              assertThat(runs.get(0).get("error").asText()).contains("NO_SUCH_TABLE");
            });
  }

  @Test
  void controlNeedsTheBearerTokenAndChangesNothingWithoutIt() throws Exception {
    HttpResponse<String> missing = post("/api/services/tidy-up/pause", null);
    HttpResponse<String> wrong = post("/api/services/tidy-up/pause", "not-the-token");
    HttpResponse<String> wrongScheme =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/services/tidy-up/pause"))
                .header("Authorization", "Basic " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());

    for (HttpResponse<String> refused : List.of(missing, wrong, wrongScheme)) {
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      assertThat(refused.body())
          .doesNotContain(TOKEN)
          .doesNotContain("\tat ")
          .doesNotContain("Exception");
    }
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> !services().get("tidy-up").get("paused").asBoolean());

    HttpResponse<String> paused = post("/api/services/tidy-up/pause", TOKEN);
    assertThat(paused.statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> services().get("tidy-up").get("paused").asBoolean());
    assertThat(post("/api/services/tidy-up/resume", TOKEN).statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> !services().get("tidy-up").get("paused").asBoolean());
  }

  /**
   * Issue 18: a run-once of the built-in journal pruner would wait for its slot (up to its hour)
   * after the replica took its lease; it is refused with a message, over HTTP (409) and from the
   * command line (exit 2), and nothing is requested.
   */
  @Test
  void aRunOnceOfTheJournalPrunerIsRefusedWithAMessage() throws Exception {
    HttpResponse<String> refused = post("/api/services/" + Host.PRUNER + "/run-once", TOKEN);
    HostProcess.Result cli =
        HostProcess.run(
            dir,
            Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN),
            "services",
            "run-once",
            Host.PRUNER,
            "-c",
            "loopwork.yaml");

    String why = "is Loopwork's built-in journal pruner and takes no run-once requests";
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(JSON.readTree(refused.body()).get("error").asText()).contains(why);
    assertThat(cli.exitCode()).as(cli.stderr()).isEqualTo(2);
    assertThat(cli.stderr()).contains("loopwork: " + Host.PRUNER + " " + why);
    assertThat(
            TestDatabases.count(
                TestDatabases.h2File(dir),
                "SELECT count(*) FROM loopwork_service_control WHERE run_once_requested"))
        .isZero();
  }

  @Test
  void errorsAreJsonWithoutStackTraces() throws Exception {
    HttpResponse<String> unknownService = post("/api/services/nope/pause", TOKEN);
    HttpResponse<String> unknownAction = post("/api/services/tidy-up/explode", TOKEN);
    HttpResponse<String> unknownPath = get("/admin/../etc/passwd");
    HttpResponse<String> wrongMethod = get("/api/services/tidy-up/pause");

    assertThat(unknownService.statusCode()).isEqualTo(404);
    assertThat(unknownService.body()).contains("No service named \\\"nope\\\"");
    assertThat(unknownAction.statusCode()).isEqualTo(404);
    assertThat(unknownPath.statusCode()).isEqualTo(404);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    for (HttpResponse<String> r :
        List.of(unknownService, unknownAction, unknownPath, wrongMethod)) {
      assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(JSON.readTree(r.body()).has("error")).isTrue();
      assertThat(r.body()).doesNotContain("\tat ").doesNotContain("dev.loopwork.");
    }
  }

  /**
   * Issue 14: a name that is not a service name gets a JSON 400 before any lookup, never a 500, and
   * request bytes never forge a log line: a NUL, and a newline followed by a fake log line, in the
   * path (Jetty refuses those two as malformed before any handler; a name outside the grammar that
   * Jetty lets through is refused by ours).
   */
  @Test
  void hostileNamesGetA400AndForgeNoLogLine() throws Exception {
    HttpResponse<String> nul = get("/api/services/%00/runs");
    HttpResponse<String> forged =
        get("/api/services/x%0A2026-01-01T00:00:00Z%20ERROR%20FORGED-LINE/runs");
    HttpResponse<String> forgedPost = post("/api/services/x%0AFORGED-LINE/pause", null);
    HttpResponse<String> outsideGrammar = get("/api/services/Tidy.Up%20FORGED-LINE/runs");
    HttpResponse<String> long404 = get("/" + "x".repeat(5_000));

    for (HttpResponse<String> r : List.of(nul, forged, forgedPost, outsideGrammar)) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(JSON.readTree(r.body()).get("error").asText())
          .matches("(not a service name|malformed request).*")
          .doesNotContain("\n");
    }
    assertThat(JSON.readTree(outsideGrammar.body()).get("error").asText())
        .isEqualTo(
            "not a service name (lower-case letters, digits, '-' and '_', at most 100): Tidy.Up FORGED-LINE");
    assertThat(long404.statusCode()).isEqualTo(404);
    assertThat(long404.body().length()).isLessThan(300);
    assertThat((host.stdout() + host.stderr()).lines())
        .noneMatch(line -> line.contains("FORGED-LINE") && !line.contains("\\u000a"))
        .noneMatch(line -> line.contains(" ERROR ") && line.contains("Admin request"));
  }

  /**
   * Issue 14: what the JDK's server answered with a reset or an HTML page now gets Loopwork's JSON:
   * 431 for a 1 MB header, an answer for 300 headers, 413 for a body above the limit, 400 for a
   * malformed URI or request line.
   */
  @Test
  void oversizedAndMalformedRequestsGetJsonAnswers() throws Exception {
    assertThat(
            raw(
                "GET /api/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + "a".repeat(1_000_000)
                    + "\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 431 ")
        .endsWith("{\"error\":\"the request line and headers are at most 16384 bytes\"}");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    assertThat(raw("GET /health/live HTTP/1.1\r\nHost: x\r\n" + many + "Connection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200 ")
        .endsWith("{\"live\":true}");
    // The answer comes as soon as the headers announce the length, before any of the body is read.
    assertThat(
            raw(
                "POST /api/services/tidy-up/pause HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n"
                    + "Connection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 413 ")
        .endsWith("{\"error\":\"a request body is at most 65536 bytes\"}");
    assertThat(raw("GET /api/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ")
        .contains("Content-Type: application/json")
        .contains("{\"error\":\"malformed request");
    assertThat(raw("GARBAGE\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ")
        .contains("{\"error\":\"malformed request");
  }

  /** Sends {@code request} as it is on a new connection and returns the whole answer. */
  private String raw(String request) throws IOException {
    return RawHttp.exchange(
        URI.create(base).getPort(), request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  /**
   * Issue 14: with {@code admin.read-token-required} (the default when the endpoint listens beyond
   * this machine), reads need the token too, health checks do not, and the dashboard asks for the
   * token in a real browser.
   */
  @Test
  void readsNeedTheTokenWhenTheHostAsksForIt(@TempDir Path other) throws Exception {
    int port = HostProcess.freePort();
    Files.writeString(
        other.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(other)
            + "\n"
            + "admin:\n  port: "
            + port
            + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n  read-token-required: true\n");
    try (HostProcess guarded =
        HostProcess.start(
            other, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c", "loopwork.yaml")) {
      guarded.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port + "/");
      String at = "http://127.0.0.1:" + port;

      assertThat(read(at + "/api/services", null).statusCode()).isEqualTo(401);
      assertThat(read(at + "/metrics", "wrong").statusCode()).isEqualTo(401);
      assertThat(read(at + "/api/services", TOKEN).statusCode()).isEqualTo(200);
      assertThat(read(at + "/health/live", null).statusCode()).isEqualTo(200);
      String dom = Chromium.dumpDom(at + "/", other.resolve("chromium"));
      assertThat(dom).contains("<form id=\"token-form\">").contains("asks for its admin token");
      guarded.terminate();
      assertThat(guarded.awaitExit(WAIT)).isZero();
    }
  }

  private HttpResponse<String> read(String url, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void dashboardShowsServicesWithChartsAndFailuresInARealBrowser() throws Exception {
    await()
        .atMost(WAIT)
        .until(() -> services().get("always-fails").get("iterations").asLong() >= 2);

    String dom = Chromium.dumpDom(base + "/", dir.resolve("chromium"));

    assertThat(dom)
        .contains("Loopwork services")
        .contains("<td class=\"name\"><a href=\"#/service/tidy-up\">tidy-up</a></td>")
        .contains("<th>Token</th><th>Lease until</th>")
        .containsPattern("<td class=\"token\">\\d+</td>")
        .contains("<td class=\"name\"><a href=\"#/service/always-fails\">always-fails</a></td>")
        .contains(
            "<td class=\"name\"><a href=\"#/service/"
                + Host.PRUNER
                + "\">"
                + Host.PRUNER
                + "</a></td>")
        .contains("<svg class=\"chart\"")
        .contains("class=\"run failure\"")
        .contains("class=\"failure-mark\"")
        .contains("class=\"outcome-FAILED\"")
        .containsPattern(
            "(?i)<span class=\"error-line\" title=\"[^\"]*no_such_table[^\"]*\">[^<]*no_such_table")
        .containsPattern("<td title=\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\">")
        .contains("<div id=\"error\" role=\"alert\"></div>");
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private Map<String, JsonNode> services() throws IOException, InterruptedException {
    Map<String, JsonNode> rows = new java.util.TreeMap<>();
    JSON.readTree(get("/api/services").body())
        .forEach(row -> rows.put(row.get("name").asText(), row));
    return rows;
  }

  /**
   * Debian's headless Chromium, driven as a process: it loads a page, runs its scripts and prints
   * the DOM.
   */
  static final class Chromium {
    private Chromium() {}

    static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
      Files.createDirectories(profile);
      List<String> command = DevToolsBrowser.headlessChromium(profile);
      command.addAll(List.of("--virtual-time-budget=5000", "--dump-dom", url));
      Path out = profile.resolve("dom.html");
      Path err = profile.resolve("chromium.err");
      Process chromium;
      try {
        chromium =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
      } catch (IOException e) {
        RequiredServer.missing(
            "Chromium is needed for the dashboard test; install it with "
                + "'apt-get install -y chromium'",
            e);
        throw e;
      }
      if (!chromium.waitFor(90, TimeUnit.SECONDS)) {
        chromium.destroyForcibly();
        throw new AssertionError("chromium did not finish within 90 s: " + Files.readString(err));
      }
      assertThat(chromium.exitValue()).as(Files.readString(err)).isZero();
      return Files.readString(out);
    }
  }
}
