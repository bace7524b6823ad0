package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopwork.cron.CronSchedule;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the dashboard as an operator's console, end to end: two host replicas (processes) on
 * one PostgreSQL database, the page in headless Chromium driven over the DevTools protocol. The
 * replicas view lists both replicas; a failing service's error is in its detail view, with the
 * duration chart; a wrong token gets a message; a pause from the page stops the iterations on both
 * replicas and a resume starts them again; the overview updates itself; a run-once from the detail
 * view runs a paused service once. Issue 16: a cron service shows its expression, zone and next
 * fire. Each view is saved as a screenshot under {@code target/dashboard/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
  private static final String TOKEN = "dashboard-token-7d1e";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCREENSHOTS = Path.of("target", "dashboard");

  @TempDir static Path dir;

  private String url;
  private HostProcess one;
  private HostProcess two;
  private String base;
  private DevToolsBrowser browser;
  private Instant resumedAt = Instant.EPOCH;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void startTwoReplicasAndABrowser() throws Exception {
    url = TestDatabases.freshPostgres();
    TestDatabases.execute(url, "CREATE TABLE beats (id SERIAL PRIMARY KEY)");
    int port1 = HostProcess.freePort();
    int port2 = HostProcess.freePort();
    one = startReplica("replica-1", port1);
    two = startReplica("replica-2", port2);
    one.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port1 + "/");
    two.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port2 + "/");
    base = "http://127.0.0.1:" + port1 + "/";
    browser = DevToolsBrowser.start(dir.resolve("chromium"));
  }

  private HostProcess startReplica(String replica, int port) throws IOException {
    Path home = dir.resolve(replica);
    Files.createDirectories(home);
    Files.writeString(
        home.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: postgres\n"
            + "replica: "
            + replica
            + "\nadmin:\n  port: "
            + port
            + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n"
            + "services:\n"
            + "  beat:\n    interval: 500ms\n    coordination: every-replica\n"
            + "    sql: INSERT INTO beats DEFAULT VALUES\n"
            + "  always-fails:\n    interval: 1s\n    sql: DELETE FROM no_such_table\n"
            + "  nightly:\n    cron: \"0 3 * * *\"\n    zone: Europe/Berlin\n    sql: SELECT 1\n");
    return HostProcess.start(
        home, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c", "loopwork.yaml");
  }

  @AfterAll
  void stopAll() {
    if (browser != null) {
      browser.close();
    }
    for (HostProcess replica : new HostProcess[] {one, two}) {
      if (replica != null) {
        replica.terminate();
        assertThat(replica.awaitExit(WAIT)).as(replica.stderr()).isZero();
        replica.close();
      }
    }
  }

  @Test
  @Order(1)
  void theReplicasViewListsBothReplicasWithTheirLeases() throws IOException {
    browser.open(base + "#/replicas");

    await("both replicas in the replicas view")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        browser
                            .evaluate(
                                "[...document.querySelectorAll('#replicas tbody tr')]"
                                    + ".map(r => r.dataset.replica).join(',')")
                            .asText())
                    .isEqualTo("replica-1,replica-2"));
    await("the lease of always-fails shown on its owner's row")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        browser.text("#replicas tr[data-replica='replica-1'] td.leases")
                            + browser.text("#replicas tr[data-replica='replica-2'] td.leases"))
                    .contains("always-fails"));
    for (String replica : List.of("replica-1", "replica-2")) {
      String row = "#replicas tr[data-replica='" + replica + "'] ";
      assertThat(browser.text(row + "td.host")).isNotBlank().isNotEqualTo("-");
      assertThat(browser.text(row + "td.pid")).matches("\\d+");
      assertThat(browser.title(row + "td.heartbeat")).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
    }
    assertThat(browser.text("#view-replicas h2")).isEqualTo("Live replicas");
    assertThat(browser.evaluate("document.getElementById('view-services').hidden").asBoolean())
        .isTrue();
    browser.screenshot(SCREENSHOTS.resolve("replicas.png"));
  }

  @Test
  @Order(2)
  void aFailingServiceShowsItsErrorRunsAndDurationChartInItsDetailView() throws IOException {
    browser.open(base + "#/service/always-fails");

    await("the full error of the last failure in the detail view")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(browser.text("#last-error"))
                    .contains("relation \"no_such_table\" does not exist"));
    await("runs in the table").atMost(WAIT).until(() -> browser.count("#runs tbody tr") >= 2);
    String firstRun = "#runs tbody tr:first-child ";
    assertThat(browser.text(firstRun + "td:nth-child(3)")).isEqualTo("FAILED");
    assertThat(browser.text(firstRun + "td:nth-child(4)")).isIn("replica-1", "replica-2");
    assertThat(browser.text(firstRun + "td:nth-child(5)")).matches("\\d+");
    assertThat(browser.text(firstRun + "td:nth-child(6)")).contains("no_such_table");
    assertThat(browser.text("#service-failures")).matches("[1-9]\\d*");
    assertThat(browser.text("#duration-chart .x-label")).startsWith("time");
    assertThat(browser.text("#duration-chart .y-label")).isEqualTo("duration (ms)");
    assertThat(browser.text("#duration-chart .interval-label")).isEqualTo("interval 1.0 s");
    assertThat(browser.count("#duration-chart .interval-line")).isEqualTo(1);
    assertThat(browser.count("#duration-chart circle.run.failure")).isPositive();
    browser.screenshot(SCREENSHOTS.resolve("service.png"));
  }

  @Test
  @Order(3)
  void aWrongTokenGetsAMessageAndChangesNothing() throws Exception {
    browser.open(base + "#/");
    browser.evaluate("sessionStorage.clear()");
    awaitButton("pause", "beat");

    pauseBeatGiving("not-the-token");

    await("the refusal shown")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(browser.text("#message"))
                    .startsWith("Refused (401): a valid bearer token is required")
                    .contains("beat was not paused"));
    assertThat(browser.evaluate("document.getElementById('message').className").asText())
        .isEqualTo("failure");
    assertThat(browser.evaluate("sessionStorage.getItem('loopwork-admin-token')").isNull())
        .as("a refused token is forgotten")
        .isTrue();
    assertThat(browser.evaluate("localStorage.length").asInt()).isZero();
    assertThat(browser.text("#services tbody tr[data-service='beat'] td.name")).isEqualTo("beat");
    await("beat stays unpaused")
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> !services().get("beat").get("paused").asBoolean());
  }

  @Test
  @Order(4)
  void aPauseFromThePageStopsBothReplicasAndAResumeStartsThem() throws Exception {
    browser.open(base + "#/");
    browser.evaluate("sessionStorage.clear()");
    await("both replicas run beat")
        .atMost(WAIT)
        .until(() -> runs("beat", "replica-1") > 0 && runs("beat", "replica-2") > 0);
    awaitButton("pause", "beat");

    pauseBeatGiving(TOKEN);

    await("the pause confirmed on the page")
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(browser.text("#message")).startsWith("beat: paused"));
    await().atMost(WAIT).until(() -> services().get("beat").get("paused").asBoolean());
    long[] still = awaitStill("beat");
    await("beat shown paused with a resume button")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(browser.text("#services tbody tr[data-service='beat'] td.next-run"))
                    .isEqualTo("paused"));
    awaitButton("resume", "beat");
    browser.screenshot(SCREENSHOTS.resolve("paused.png"));

    resumedAt = Instant.now();
    browser.click("button[data-action='resume'][data-service='beat']");

    await("the resume confirmed on the page, with the token kept for the session")
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(browser.text("#message")).startsWith("beat: resumed"));
    await("both replicas run beat again")
        .atMost(WAIT)
        .until(() -> runs("beat", "replica-1") > still[0] && runs("beat", "replica-2") > still[1]);
    assertThat(browser.evaluate("localStorage.length").asInt()).isZero();
    assertThat(browser.evaluate("location.href").asText()).doesNotContain(TOKEN);
  }

  @Test
  @Order(5)
  void theOverviewShowsOwnersTokensNextRunsAndFailuresInARowAndUpdatesItself() throws IOException {
    // No navigation: the page, left on the overview by the resume, reads the fleet again by itself.
    assertThat(browser.evaluate("location.hash").asText()).isEqualTo("#/");
    browser.evaluate("document.getElementById('message').textContent = ''");
    String beatStart = "#services tbody tr[data-service='beat'] td:nth-child(7)";
    await("the page refreshes by itself: beat's last start after the resume")
        .atMost(WAIT)
        .until(
            () -> {
              String title = browser.title(beatStart);
              return !title.isEmpty() && Instant.parse(title).isAfter(resumedAt);
            });
    String fails = "#services tbody tr[data-service='always-fails'] ";
    await("always-fails with its owner, token, next run and failures")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(browser.text(fails + "td.failures")).matches("[1-9]\\d*");
              assertThat(browser.text(fails + "td.token")).matches("\\d+");
              assertThat(browser.title(fails + "td.next-run")).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
              assertThat(browser.text(fails + ".error-line")).contains("no_such_table");
              assertThat(browser.text("#services tbody tr[data-service='beat'] td.next-run"))
                  .isNotEqualTo("paused");
            });
    assertThat(browser.text("#updated")).startsWith("4 services on 2 replicas");
    browser.screenshot(SCREENSHOTS.resolve("overview.png"));
  }

  /**
   * The detail view's buttons: a paused service runs once when asked from the page, and once only;
   * the token given before is used without asking again.
   */
  @Test
  @Order(6)
  void aRunOnceFromTheDetailViewRunsAPausedServiceOnce() throws Exception {
    browser.open(base + "#/service/always-fails");
    String actions = "#service-actions button[data-service='always-fails']";
    await().atMost(WAIT).until(() -> browser.count(actions + "[data-action='pause']") == 1);
    browser.click(actions + "[data-action='pause']");
    await().atMost(WAIT).until(() -> services().get("always-fails").get("paused").asBoolean());
    long[] still = awaitStill("always-fails");
    await().atMost(WAIT).until(() -> browser.count(actions + "[data-action='run-once']") == 1);

    browser.click(actions + "[data-action='run-once']");

    await("the run-once confirmed on the page")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(browser.text("#message")).startsWith("always-fails: asked to run once"));
    await("one more run in the journal")
        .atMost(WAIT)
        .until(
            () -> runs("always-fails", "replica-1") + runs("always-fails", "replica-2"),
            n -> n == still[0] + still[1] + 1);
    assertThat(awaitStill("always-fails"))
        .containsExactly(runs("always-fails", "replica-1"), runs("always-fails", "replica-2"));
    assertThat(browser.evaluate("document.getElementById('token-form').hidden").asBoolean())
        .isTrue();
    browser.click(actions + "[data-action='resume']");
    await().atMost(WAIT).until(() -> !services().get("always-fails").get("paused").asBoolean());
  }

  /**
   * Issue 16: a cron service shows its expression and zone as its schedule, and its next fire as
   * its next run, in the overview, in its detail view and in the API.
   */
  @Test
  @Order(7)
  void aCronServiceShowsItsExpressionZoneAndNextFire() throws Exception {
    Instant nextFire =
        CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin")).nextFireAfter(Instant.now());
    JsonNode row = services().get("nightly");
    assertThat(row.get("schedule").asText()).isEqualTo("cron 0 3 * * * (Europe/Berlin)");
    assertThat(row.get("cron").asText()).isEqualTo("0 3 * * *");
    assertThat(row.get("zone").asText()).isEqualTo("Europe/Berlin");
    assertThat(row.get("interval").isNull()).isTrue();
    assertThat(row.get("intervalMs").asLong()).isEqualTo(Duration.ofDays(1).toMillis());
    assertThat(Instant.parse(row.get("nextRun").asText())).isEqualTo(nextFire);
    assertThat(services().get("beat").get("schedule").asText()).isEqualTo("every 500ms");
    browser.open(base + "#/");
    String nightly = "#services tbody tr[data-service='nightly'] ";
    await("the nightly row with its schedule and next fire")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(browser.text(nightly + "td.schedule"))
                  .isEqualTo("cron 0 3 * * * (Europe/Berlin), exclusive");
              assertThat(Instant.parse(browser.title(nightly + "td.next-run"))).isEqualTo(nextFire);
            });

    browser.open(base + "#/service/nightly");

    await("the detail view's schedule and next run")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(browser.text("#service-schedule"))
                  .isEqualTo("cron 0 3 * * * (Europe/Berlin), exclusive");
              assertThat(Instant.parse(browser.title("#service-next-run"))).isEqualTo(nextFire);
            });
    assertThat(browser.count("#duration-chart .interval-line"))
        .as("a cron service has no interval")
        .isZero();
    browser.screenshot(SCREENSHOTS.resolve("cron-service.png"));
  }

  /** Clicks beat's pause button and, as the page asks for it, enters {@code token}. */
  private void pauseBeatGiving(String token) {
    browser.click("button[data-action='pause'][data-service='beat']");
    await("the token form")
        .atMost(WAIT)
        .until(() -> !browser.evaluate("document.getElementById('token-form').hidden").asBoolean());
    browser.evaluate(
        "document.getElementById('token').value = "
            + JSON.valueToTree(token)
            + "; document.getElementById('token-form').requestSubmit(); true");
  }

  private void awaitButton(String action, String service) {
    await(action + " button of " + service)
        .atMost(WAIT)
        .until(
            () ->
                browser.count(
                        "button[data-action='" + action + "'][data-service='" + service + "']")
                    == 1);
  }

  /**
   * Waits until neither replica journals an iteration of {@code service} for three seconds (three
   * to six intervals) and returns their counts.
   */
  private long[] awaitStill(String service) {
    AtomicReference<long[]> last = new AtomicReference<>(new long[] {-1, -1});
    await("no iteration of " + service + " on either replica for 3 s")
        .atMost(WAIT)
        .during(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              long[] now = {runs(service, "replica-1"), runs(service, "replica-2")};
              long[] before = last.getAndSet(now);
              return before[0] == now[0] && before[1] == now[1];
            });
    return last.get();
  }

  /** Iterations of {@code service} that {@code replica} journaled. */
  private long runs(String service, String replica) throws SQLException {
    return count(
        url,
        "SELECT count(*) FROM loopwork_run WHERE service = '"
            + service
            + "' AND replica_id = '"
            + replica
            + "'");
  }

  private Map<String, JsonNode> services() throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "api/services"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Map<String, JsonNode> rows = new java.util.TreeMap<>();
    JSON.readTree(response.body()).forEach(row -> rows.put(row.get("name").asText(), row));
    return rows;
  }
}
