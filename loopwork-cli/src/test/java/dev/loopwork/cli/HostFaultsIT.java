package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loopwork.jdbc.LeaseCoordinator;
import dev.loopwork.testsupport.OwnPostgresCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: three {@code loopwork run} replicas at default settings ride out database faults
 * unattended. The database is a PostgreSQL cluster of the test's own ({@code pg_createcluster} on
 * port {@value #PORT}), so that it can be stopped and restarted; it needs Debian's PostgreSQL tools
 * and root, and is dropped afterwards. One sql service writes {@code (replica, started, ended)}
 * every 500 ms. Faults, in order: every replica's sessions terminated once; the server away for 60
 * s; the server restarted; every session terminated every 2 s for 20 s.
 *
 * <p>After each: no replica exits, iterations resume within a poll and an interval (plus a margin
 * for a loaded machine) of the database accepting connections, each replica logs at most one WARN
 * for it, and over the whole test no ERROR and no stack trace; while the server is away, the admin
 * API's reads answer 503 with a reason, and the replicas' thread counts stay flat; no two
 * iterations overlap.
 */
class HostFaultsIT {
  /** How much more heap a replica may keep after the 60 s outage than before it: flat. */
  private static final long HEAP_GROWTH_KIB = 8 * 1024;

  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");

  private static final int PORT = 5496;
  private static final String CLUSTER = "loopwork_host_faults_it";
  private static final Duration INTERVAL = Duration.ofMillis(500);

  /**
   * A poll and an interval, as the issue bounds it, and a margin of a second for a busy build
   * machine. Before the pool was renewed on recovery, the first iteration after the 60 s outage
   * came 2.3 to 2.5 s after the database was back (HikariCP's reconnect back-off).
   */
  private static final Duration RESUME =
      LeaseCoordinator.DEFAULT_POLL_INTERVAL.plus(INTERVAL).plusSeconds(1);

  private static final Duration OUTAGE = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern WARN = Pattern.compile("(?m)^\\S+ WARN ");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  private OwnPostgresCluster server;
  private final Map<String, HostProcess> hosts = new LinkedHashMap<>();
  private final Map<String, Integer> adminPorts = new LinkedHashMap<>();

  @BeforeEach
  void createCluster() {
    server = OwnPostgresCluster.create(CLUSTER, PORT);
  }

  @AfterEach
  void dropCluster() {
    hosts.values().forEach(HostProcess::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void threeReplicasRideOutTerminationsAnOutageAndARestart() throws Exception {
    execute(
        server.url(),
        "CREATE TABLE fault_row (id SERIAL PRIMARY KEY, replica TEXT NOT NULL, started TIMESTAMPTZ NOT "
            + "NULL, ended TIMESTAMPTZ)");
    for (String id : List.of("f1", "f2", "f3")) {
      int port = HostProcess.freePort();
      adminPorts.put(id, port);
      Files.writeString(
          dir.resolve(id + ".yaml"),
          "database:\n  url: "
              + server.url()
              + "?ApplicationName="
              + id
              + "\n  user: postgres\nreplica: "
              + id
              + "\nadmin:\n  port: "
              + port
              + "\nservices:\n  writer:\n"
              + "    interval: 500ms\n    sql:\n"
              + "      - INSERT INTO fault_row (replica, started) VALUES ('"
              + id
              + "', clock_timestamp())\n"
              + "      - SELECT pg_sleep(0.1)\n"
              + "      - UPDATE fault_row SET ended = clock_timestamp() WHERE id = currval('fault_row_id_seq')\n");
      hosts.put(id, HostProcess.start(dir, Map.of(), "run", "-c", id + ".yaml"));
    }
    hosts.values().forEach(HostProcess::awaitRunning);
    await().atMost(WAIT).until(() -> count(server.url(), "SELECT COUNT(*) FROM fault_row") >= 4);

    fault("every session terminated once", RESUME, () -> terminateAll());
    fault(
        "the server away for 60 s",
        RESUME,
        () -> {
          // One admin request first, so that the threads a first request starts count in the
          // baseline.
          for (int port : adminPorts.values()) {
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
          }
          server.stop();
          Map<String, Integer> threads = threads();
          Map<String, Long> heap = heapAfterGc();
          await()
              .atMost(WAIT)
              .untilAsserted(() -> assertUnavailable(adminPorts.get("f1"), "/api/services"));
          assertUnavailable(adminPorts.get("f2"), "/api/services/writer/runs");
          Thread.sleep(OUTAGE.toMillis()); // the fault itself: the database stays away this long
          threads()
              .forEach(
                  (id, now) ->
                      assertThat(now)
                          .as("threads of %s after the outage", id)
                          .isLessThanOrEqualTo(threads.get(id) + 2));
          heapAfterGc()
              .forEach(
                  (id, now) ->
                      assertThat(now)
                          .as("heap of %s after a full collection after the outage (KiB)", id)
                          .isLessThanOrEqualTo(heap.get(id) + HEAP_GROWTH_KIB));
          server.start();
        });
    fault("the server restarted", RESUME, () -> server.restart());
    fault(
        "every session terminated every 2 s for 20 s",
        RESUME,
        () -> {
          for (int i = 0; i < 10; i++) {
            terminateAll();
            Thread.sleep(2_000); // the fault's own rhythm
          }
        });

    assertThat(
            count(
                server.url(),
                "SELECT COUNT(*) FROM fault_row a JOIN fault_row b ON a.id < b.id AND a.replica <> "
                    + "b.replica AND a.started < b.ended AND b.started < a.ended"))
        .as("overlapping iterations")
        .isZero();
    hosts.forEach(
        (id, host) -> {
          assertThat(host.stderr())
              .as("log of %s", id)
              .doesNotContain(" ERROR ")
              .doesNotContainPattern("(?m)^\\s+at ");
        });
  }

  /** An action that may throw. */
  private interface Fault {
    void apply() throws Exception;
  }

  /**
   * Applies {@code fault}, then checks that every replica lives and logged at most one WARN for it,
   * and that iterations resumed within {@code bound} of the database accepting connections again.
   */
  private void fault(String name, Duration bound, Fault fault) throws Exception {
    Map<String, Integer> warningsBefore = warnings();
    fault.apply();
    Instant accepting = awaitAccepting();
    await(name + ": iterations resume")
        .atMost(WAIT)
        .until(
            () ->
                count(
                        server.url(),
                        "SELECT COUNT(*) FROM fault_row "
                            + "WHERE started > '"
                            + Timestamp.from(accepting)
                            + "'")
                    > 0);
    List<String> firstStart =
        TestDatabases.strings(
            server.url(),
            "SELECT EXTRACT(EPOCH FROM MIN(started)) * 1000 FROM "
                + "fault_row WHERE started > '"
                + Timestamp.from(accepting)
                + "'");
    Duration resumed =
        Duration.ofMillis((long) Double.parseDouble(firstStart.get(0)) - accepting.toEpochMilli());
    System.out.println(
        name
            + ": first iteration "
            + resumed.toMillis()
            + " ms after the database accepted "
            + "connections again");
    assertThat(resumed)
        .as("%s: iterations resume after the database is back", name)
        .isLessThan(bound);
    // Each outage ends with one INFO once the database has answered for 5 s: by then every WARN of
    // it is in.
    await(name + ": every outage over")
        .atMost(WAIT)
        .until(
            () ->
                hosts.values().stream()
                    .allMatch(
                        host ->
                            occurrences(host.stderr(), "logged once per outage")
                                == occurrences(host.stderr(), "is reachable again")));
    Map<String, Integer> warningsAfter = warnings();
    hosts.forEach(
        (id, host) -> {
          assertThat(host.isAlive()).as("%s: %s lives", name, id).isTrue();
          assertThat(warningsAfter.get(id) - warningsBefore.get(id))
              .as("%s: WARN lines of %s:\n%s", name, id, host.stderr())
              .isLessThanOrEqualTo(1);
        });
  }

  private void terminateAll() throws Exception {
    execute(
        server.url(),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'f_'");
  }

  /** When the database accepts connections again (now, if it does). */
  private Instant awaitAccepting() {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptions()
        .until(() -> count(server.url(), "SELECT 1") == 1);
    return Instant.now();
  }

  private Map<String, Integer> warnings() {
    Map<String, Integer> warnings = new LinkedHashMap<>();
    hosts.forEach(
        (id, host) -> {
          Matcher m = WARN.matcher(host.stderr());
          int n = 0;
          while (m.find()) {
            n++;
          }
          warnings.put(id, n);
        });
    return warnings;
  }

  private static int occurrences(String text, String part) {
    int found = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      found++;
    }
    return found;
  }

  private Map<String, Integer> threads() throws IOException {
    Map<String, Integer> threads = new LinkedHashMap<>();
    for (Map.Entry<String, HostProcess> host : hosts.entrySet()) {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(host.getValue().pid()), "status"))) {
        if (line.startsWith("Threads:")) {
          threads.put(host.getKey(), Integer.parseInt(line.substring(8).trim()));
        }
      }
    }
    return threads;
  }

  /**
   * The heap each replica uses after a full collection (KiB), as {@code jcmd} reports it: what the
   * replica keeps, without the garbage that happens to be waiting.
   */
  private Map<String, Long> heapAfterGc() throws IOException, InterruptedException {
    Map<String, Long> heap = new LinkedHashMap<>();
    for (Map.Entry<String, HostProcess> host : hosts.entrySet()) {
      jcmd(host.getValue().pid(), "GC.run");
      Matcher used = HEAP_USED.matcher(jcmd(host.getValue().pid(), "GC.heap_info"));
      assertThat(used.find())
          .as("jcmd GC.heap_info of %s names the heap used", host.getKey())
          .isTrue();
      heap.put(host.getKey(), Long.parseLong(used.group(1)));
    }
    return heap;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process process =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as("jcmd %s %s: %s", pid, command, output).isZero();
    return output;
  }

  private static void assertUnavailable(int port, String path) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(503);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("reason").asText()).isNotBlank();
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
  }
}
