package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static dev.loopwork.cli.TestDatabases.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of the host on one PostgreSQL database, steered from the command line: {@code
 * services ls} shows every service with its owner, {@code pause}, {@code run-once} and {@code
 * resume} act on the running fleet, and the journal names the replica that ran each iteration.
 */
class FleetIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private String url;

  @Test
  void listsAndSteersTwoReplicas() throws Exception {
    url = TestDatabases.freshPostgres();
    execute(url, "CREATE TABLE hits (id SERIAL PRIMARY KEY, service TEXT NOT NULL)");
    StringBuilder yaml =
        new StringBuilder(
            "database:\n  url: "
                + url
                + "\n  user: postgres\n"
                + "replica: ${env:REPLICA}\nadmin:\n  enabled: false\nservices:\n");
    for (String service : new String[] {"alpha", "bravo", "charlie"}) {
      yaml.append("  ")
          .append(service)
          .append(":\n    interval: 1s\n    sql: INSERT INTO hits (service) VALUES ('")
          .append(service)
          .append("')\n");
    }
    yaml.append(
        "  beat:\n    interval: 1s\n    coordination: every-replica\n"
            + "    sql: INSERT INTO hits (service) VALUES ('beat')\n");
    Files.writeString(dir.resolve("loopwork.yaml"), yaml);

    try (HostProcess one =
            HostProcess.start(dir, Map.of("REPLICA", "replica-1"), "run", "-c", "loopwork.yaml");
        HostProcess two =
            HostProcess.start(dir, Map.of("REPLICA", "replica-2"), "run", "-c", "loopwork.yaml")) {
      one.awaitRunning();
      two.awaitRunning();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<String, JsonNode> rows = ls();
                assertThat(rows).containsKeys("alpha", "bravo", "charlie", "beat", Host.PRUNER);
                assertThat(rows.get("beat").get("owner").asText()).isEqualTo("replica-1,replica-2");
                Set<String> owners = new HashSet<>();
                for (String s : new String[] {"alpha", "bravo", "charlie", Host.PRUNER}) {
                  assertThat(rows.get(s).get("owner").asText()).isIn("replica-1", "replica-2");
                  assertThat(rows.get(s).get("lastOutcome").asText())
                      .as(s)
                      .isIn("SUCCEEDED", "null");
                  owners.add(rows.get(s).get("owner").asText());
                }
                assertThat(owners).as("the leases are shared between the replicas").hasSize(2);
                assertThat(rows.get("alpha").get("lastStart").isNull()).isFalse();
              });
      HostProcess.Result table =
          HostProcess.run(dir, Map.of("REPLICA", "cli"), "services", "ls", "-c", "loopwork.yaml");
      assertThat(table.stdout())
          .contains("SERVICE")
          .contains("OWNER")
          .contains("alpha")
          .contains("replica-1,replica-2");

      assertThat(steer("pause", "alpha").stdout()).contains("alpha: paused");
      await().atMost(WAIT).until(() -> ls().get("alpha").get("paused").asBoolean());
      // The replicas take the pause in within a second (their controls' sync): at most one more
      // iteration, then none.
      long atPause = hits("alpha");
      long paused = awaitSteady("alpha", Duration.ofSeconds(3));
      assertThat(paused - atPause).as("iterations after the pause was seen").isLessThanOrEqualTo(1);
      assertThat(hits("bravo")).as("the others go on").isPositive();

      steer("run-once", "alpha");
      await().atMost(WAIT).until(() -> hits("alpha") == paused + 1);
      await("one run only")
          .during(Duration.ofSeconds(2))
          .atMost(WAIT)
          .until(() -> hits("alpha") == paused + 1);
      String owner = ls().get("alpha").get("owner").asText();
      await("the run-once is in the journal, with its owner and its lease's fencing token")
          .atMost(WAIT)
          .until(
              () ->
                  strings(
                      url,
                      "SELECT replica_id || ' ' || CASE WHEN fencing_token > 0 THEN 'fenced' ELSE "
                          + "'unfenced' END FROM loopwork_run WHERE service = 'alpha' ORDER BY id DESC LIMIT 1"),
              rows -> rows.equals(List.of(owner + " fenced")));

      steer("resume", "alpha");
      await().atMost(WAIT).until(() -> hits("alpha") >= paused + 3);

      HostProcess.Result unknown =
          HostProcess.run(
              dir, Map.of("REPLICA", "cli"), "services", "pause", "zulu", "-c", "loopwork.yaml");
      assertThat(unknown.exitCode()).isEqualTo(2);
      assertThat(unknown.stderr()).contains("No service named \"zulu\"").contains("alpha");

      one.terminate();
      two.terminate();
      assertThat(one.awaitExit(WAIT)).as(one.stderr()).isZero();
      assertThat(two.awaitExit(WAIT)).as(two.stderr()).isZero();
    }
    assertThat(ls()).as("stopped replicas leave no rows").isEmpty();
    assertThat(strings(url, "SELECT DISTINCT replica_id FROM loopwork_run ORDER BY 1"))
        .as("every journal row names the replica that ran it")
        .containsExactly("replica-1", "replica-2");
    assertThat(
            strings(
                url,
                "SELECT DISTINCT replica_id FROM loopwork_run WHERE service = 'beat' ORDER BY 1"))
        .containsExactly("replica-1", "replica-2");
  }

  private HostProcess.Result steer(String action, String service) {
    HostProcess.Result result =
        HostProcess.run(
            dir, Map.of("REPLICA", "cli"), "services", action, service, "-c", "loopwork.yaml");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    return result;
  }

  private Map<String, JsonNode> ls() throws Exception {
    HostProcess.Result result =
        HostProcess.run(
            dir, Map.of("REPLICA", "cli"), "services", "ls", "--json", "-c", "loopwork.yaml");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    Map<String, JsonNode> rows = new java.util.TreeMap<>();
    JSON.readTree(result.stdout()).forEach(row -> rows.put(row.get("name").asText(), row));
    return rows;
  }

  private long hits(String service) throws Exception {
    return count(url, "SELECT count(*) FROM hits WHERE service = '" + service + "'");
  }

  /**
   * Waits until {@code service}'s count of hits has not changed for {@code steady}, and returns it.
   */
  private long awaitSteady(String service, Duration steady) {
    long[] last = {-1};
    long[] since = {0};
    await(service + " stays paused")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              long now = System.nanoTime();
              long count = hits(service);
              if (count != last[0]) {
                last[0] = count;
                since[0] = now;
              }
              return now - since[0] >= steady.toNanos();
            });
    return last[0];
  }
}
