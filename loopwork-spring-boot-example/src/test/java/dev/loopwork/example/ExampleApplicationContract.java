package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.LoopState;
import dev.loopwork.spring.boot.LoopworkServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the example application must do on any database: expire sessions, answer on the actuator, go
 * DOWN when a service fails, and stop its services gracefully when its context closes. Subclassed
 * per database.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "loopwork.services.expire-sessions.interval=100ms",
      "loopwork.coordination.lease-ttl=2s"
    })
@Import(Tripwire.Config.class)
abstract class ExampleApplicationContract {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @LocalServerPort int port;

  @Autowired JdbcTemplate jdbc;

  @Autowired ExpireSessions expireSessions;

  @Autowired Tripwire tripwire;

  @Autowired LoopworkServices services;

  /** {@code spring.datasource.url} and {@code .username} for a second application of this test. */
  abstract Map<String, Object> databaseProperties();

  @BeforeEach
  void healthy() {
    tripwire.reset();
    services.resume("tripwire");
    await().atMost(Duration.ofSeconds(20)).until(() -> tripwire.state() == LoopState.RUNNING);
  }

  @Test
  void iterationsExpireSessionsAndKeepLiveOnes() {
    Instant now = Instant.now();
    jdbc.update(
        "INSERT INTO app_session (id, expires_at) VALUES (?, ?)",
        "old-1",
        Timestamp.from(now.minusSeconds(60)));
    jdbc.update(
        "INSERT INTO app_session (id, expires_at) VALUES (?, ?)",
        "old-2",
        Timestamp.from(now.minusSeconds(1)));
    jdbc.update(
        "INSERT INTO app_session (id, expires_at) VALUES (?, ?)",
        "live",
        Timestamp.from(now.plusSeconds(3600)));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.queryForList("SELECT id FROM app_session WHERE id LIKE " + "'old-%'")
                    .isEmpty());
    assertThat(jdbc.queryForList("SELECT id FROM app_session", String.class)).contains("live");
    assertThat(expireSessions.deletedSessions()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void actuatorEndpointListsAndActsOnServices() throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> get("/actuator/loopwork").body().contains("\"lastOutcome\":\"succeeded\""));
    HttpResponse<String> list = get("/actuator/loopwork");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body())
        .contains(
            "\"name\":\"expire-sessions\"",
            "\"interval\":\"PT0.1S\"",
            "\"replica\":\"" + services.replicaId() + "\"");

    HttpResponse<String> paused = post("/actuator/loopwork/expire-sessions/pause");
    assertThat(paused.statusCode()).isEqualTo(200);
    assertThat(paused.body()).contains("\"paused\":true");
    assertThat(expireSessions.state())
        .as("a paused service stays started, its iterations held back")
        .isEqualTo(LoopState.RUNNING);

    HttpResponse<String> ranOnce = post("/actuator/loopwork/expire-sessions/run-once");
    assertThat(ranOnce.statusCode()).isEqualTo(200);

    HttpResponse<String> resumed = post("/actuator/loopwork/expire-sessions/resume");
    assertThat(resumed.body()).contains("\"paused\":false");
    await().atMost(Duration.ofSeconds(20)).until(() -> expireSessions.state() == LoopState.RUNNING);
    assertThat(post("/actuator/loopwork/expire-sessions/run-once").statusCode())
        .as("an extra iteration of a running service")
        .isEqualTo(200);
    assertThat(get("/actuator/loopwork/no-such-service").statusCode()).isEqualTo(404);
  }

  @Test
  void healthGoesDownWhenAServiceFailsAndUpWhenItRunsAgain() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/actuator/health").statusCode() == 200);
    assertThat(loopworkHealth().path("status").asString()).isEqualTo("UP");

    tripwire.trip();
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/actuator/health").statusCode() == 503);
    JsonNode down = loopworkHealth();
    assertThat(down.path("status").asString()).isEqualTo("DOWN");
    assertThat(down.path("details").path("problems").toString()).contains("tripwire has failed");

    tripwire.reset();
    assertThat(post("/actuator/loopwork/tripwire/resume").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/actuator/health").statusCode() == 200);
  }

  @Test
  void closingTheContextStopsTheServicesAndReleasesTheirLeases() {
    ConfigurableApplicationContext other =
        new SpringApplicationBuilder(ExampleApplication.class)
            .properties(databaseProperties())
            .properties(
                "spring.main.web-application-type=none",
                "loopwork.services.expire-sessions.interval=100ms",
                "loopwork.coordination.lease-ttl=2s")
            .run();
    LoopworkServices otherServices = other.getBean(LoopworkServices.class);
    ExpireSessions otherExpireSessions = other.getBean(ExpireSessions.class);
    String replica = otherServices.replicaId();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> otherExpireSessions.state() == LoopState.RUNNING);

    other.close();

    assertThat(otherExpireSessions.state()).isEqualTo(LoopState.STOPPED);
    assertThat(
            jdbcOnDatabaseOfOtherApplication()
                .queryForObject(
                    "SELECT COUNT(*) FROM loopwork_lease WHERE owner = ?", Integer.class, replica))
        .isZero();
  }

  private JdbcTemplate jdbcOnDatabaseOfOtherApplication() {
    Map<String, Object> database = databaseProperties();
    return new JdbcTemplate(
        new DriverManagerDataSource(
            (String) database.get("spring.datasource.url"),
            (String) database.get("spring.datasource.username"),
            null));
  }

  private JsonNode loopworkHealth() throws Exception {
    return JSON.readTree(get("/actuator/health").body()).path("components").path("loopwork");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
