package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin HTTP endpoint and the dashboard of one running host (H2, a service that succeeds and one that fails):
 * health, metrics, the services API, control with and without the bearer token, and the dashboard as headless
 * Chromium renders it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminIT {
  private static final String TOKEN = "test-token-5f2c";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;

  private HostProcess host;
  private String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void startHost() throws IOException {
    int port = HostProcess.freePort();
    Files.writeString(dir.resolve("loopwork.yaml"), "database:\n  url: " + TestDatabases.h2File(dir) + "\n"
        + "admin:\n  port: " + port + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n"
        + "services:\n"
        + "  tidy-up:\n    interval: 500ms\n    sql: CREATE TABLE IF NOT EXISTS tidy (id INT)\n"
        + "  always-fails:\n    interval: 500ms\n    sql: DELETE FROM no_such_table\n");
    host = HostProcess.start(dir, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c", "loopwork.yaml");
    host.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port + "/");
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  void stopHost() {
    host.sigterm();
    assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
    host.close();
  }

  @Test
  void healthEndpoints() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
    assertThat(JSON.readTree(get("/health/ready").body()).get("checks").get("database").asBoolean()).isTrue();
  }

  @Test
  void metricsInPrometheusFormat() {
    await().atMost(WAIT).untilAsserted(() -> {
      HttpResponse<String> metrics = get("/metrics");
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
          .startsWith("text/plain"));
      assertThat(metrics.body()).contains("loopwork_iterations_total{outcome=\"failed\",service=\"always-fails\"}")
          .contains("loopwork_iterations_total{outcome=\"succeeded\",service=\"tidy-up\"}")
          .contains("loopwork_leases_held{service=\"tidy-up\"} 1.0");
    });
  }

  @Test
  void servicesApiShowsWhatLsShows() {
    await().atMost(WAIT).untilAsserted(() -> {
      Map<String, JsonNode> rows = services();
      assertThat(rows).containsKeys("tidy-up", "always-fails", Host.PRUNER);
      assertThat(rows.get("always-fails").get("lastOutcome").asText()).isEqualTo("FAILED");
      assertThat(rows.get("always-fails").get("failuresInRow").asInt()).isPositive();
      assertThat(rows.get("tidy-up").get("lastOutcome").asText()).isEqualTo("SUCCEEDED");
      assertThat(rows.get("tidy-up").get("interval").asText()).isEqualTo("500ms");
      assertThat(Instant.parse(rows.get("tidy-up").get("nextRun").asText()))
          .isAfter(Instant.parse(rows.get("tidy-up").get("lastStart").asText()));
      assertThat(rows.get("tidy-up").get("owner").asText()).isNotBlank();
    });
    await().atMost(WAIT).untilAsserted(() -> {
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
    HttpResponse<String> wrongScheme = http.send(HttpRequest.newBuilder(URI.create(base
        + "/api/services/tidy-up/pause")).header("Authorization", "Basic " + TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    for (HttpResponse<String> refused : List.of(missing, wrong, wrongScheme)) {
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      assertThat(refused.body()).doesNotContain(TOKEN).doesNotContain("\tat ").doesNotContain("Exception");
    }
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> !services().get("tidy-up").get("paused")
        .asBoolean());

    HttpResponse<String> paused = post("/api/services/tidy-up/pause", TOKEN);
    assertThat(paused.statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> services().get("tidy-up").get("paused").asBoolean());
    assertThat(post("/api/services/tidy-up/resume", TOKEN).statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> !services().get("tidy-up").get("paused").asBoolean());
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
    for (HttpResponse<String> r : List.of(unknownService, unknownAction, unknownPath, wrongMethod)) {
      assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(JSON.readTree(r.body()).has("error")).isTrue();
      assertThat(r.body()).doesNotContain("\tat ").doesNotContain("dev.loopwork.");
    }
  }

  /**
   * Issue 14: a name that is not a service name gets a JSON 400 before any lookup, never a 500, and request bytes
   * never forge a log line: a NUL, and a newline followed by a fake log line, in the path.
   */
  @Test
  void hostileNamesGetA400AndForgeNoLogLine() throws Exception {
    HttpResponse<String> nul = get("/api/services/%00/runs");
    HttpResponse<String> forged = get("/api/services/x%0A2026-01-01T00:00:00Z%20ERROR%20FORGED-LINE/runs");
    HttpResponse<String> forgedPost = post("/api/services/x%0AFORGED-LINE/pause", null);
    HttpResponse<String> long404 = get("/" + "x".repeat(5_000) + "%0AFORGED-LINE");

    for (HttpResponse<String> r : List.of(nul, forged, forgedPost)) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).get("error").asText()).startsWith("not a service name");
    }
    assertThat(forged.body()).contains("\\u000a");
    assertThat(long404.statusCode()).isEqualTo(404);
    assertThat(long404.body().length()).isLessThan(300);
    assertThat((host.stdout() + host.stderr()).lines())
        .noneMatch(line -> line.contains("FORGED-LINE") && !line.contains("\\u000a"))
        .noneMatch(line -> line.contains(" ERROR ") && line.contains("Admin request"));
  }

  /**
   * Issue 14: with {@code admin.read-token-required} (the default when the endpoint listens beyond this machine),
   * reads need the token too, health checks do not, and the dashboard asks for the token in a real browser.
   */
  @Test
  void readsNeedTheTokenWhenTheHostAsksForIt(@TempDir Path other) throws Exception {
    int port = HostProcess.freePort();
    Files.writeString(other.resolve("loopwork.yaml"), "database:\n  url: " + TestDatabases.h2File(other) + "\n"
        + "admin:\n  port: " + port + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n  read-token-required: true\n");
    try (HostProcess guarded = HostProcess.start(other, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c",
        "loopwork.yaml")) {
      guarded.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port + "/");
      String at = "http://127.0.0.1:" + port;

      assertThat(read(at + "/api/services", null).statusCode()).isEqualTo(401);
      assertThat(read(at + "/metrics", "wrong").statusCode()).isEqualTo(401);
      assertThat(read(at + "/api/services", TOKEN).statusCode()).isEqualTo(200);
      assertThat(read(at + "/health/live", null).statusCode()).isEqualTo(200);
      String dom = Chromium.dumpDom(at + "/", other.resolve("chromium"));
      assertThat(dom).contains("<form id=\"token-form\">").contains("asks for its admin token");
      guarded.sigterm();
      assertThat(guarded.awaitExit(WAIT)).isZero();
    }
  }

  private HttpResponse<String> read(String url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void dashboardShowsServicesWithChartsAndFailuresInARealBrowser() throws Exception {
    await().atMost(WAIT).until(() -> services().get("always-fails").get("iterations").asLong() >= 2);

    String dom = Chromium.dumpDom(base + "/", dir.resolve("chromium"));

    assertThat(dom).contains("Loopwork services")
        .contains("<td class=\"name\">tidy-up</td>").contains("<td class=\"name\">always-fails</td>")
        .contains("<td class=\"name\">" + Host.PRUNER + "</td>")
        .contains("<svg class=\"chart\"")
        .contains("class=\"run failure\"").contains("class=\"failure-mark\"")
        .contains("class=\"outcome-FAILED\"")
        .contains("<div id=\"error\" role=\"alert\"></div>");
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private Map<String, JsonNode> services() throws IOException, InterruptedException {
    Map<String, JsonNode> rows = new java.util.TreeMap<>();
    JSON.readTree(get("/api/services").body()).forEach(row -> rows.put(row.get("name").asText(), row));
    return rows;
  }

  /** Debian's headless Chromium, driven as a process: it loads a page, runs its scripts and prints the DOM. */
  static final class Chromium {
    private Chromium() {}

    static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
      Files.createDirectories(profile);
      List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + profile.toAbsolutePath(), "--virtual-time-budget=5000", "--dump-dom", url));
      Path out = profile.resolve("dom.html");
      Path err = profile.resolve("chromium.err");
      Process chromium;
      try {
        chromium = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      } catch (IOException e) {
        throw new AssertionError("Chromium is needed for the dashboard test; install it with "
            + "'apt-get install -y chromium'", e);
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
