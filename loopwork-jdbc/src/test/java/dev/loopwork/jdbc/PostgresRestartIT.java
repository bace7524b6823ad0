package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.testsupport.OwnPostgresCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the PostgreSQL server restarts under three replicas, which ends every replica's session
 * at once. Nothing may run twice, and the replicas, which reconnect within a poll, should keep
 * their leases rather than reshuffle them. The server is a cluster of the test's own ({@code
 * pg_createcluster} on port {@value #PORT}, trust authentication), so that restarting it disturbs
 * no other test; it needs Debian's PostgreSQL tools and the right to create a cluster (root), and
 * is dropped afterwards.
 */
class PostgresRestartIT {
  private static final int PORT = 5499;
  private static final String CLUSTER = "loopwork_restart_it";
  private static final Duration INTERVAL = Duration.ofMillis(500);

  private OwnPostgresCluster server;
  private Database database;
  private ClusterRecord cluster;
  private final List<ReplicaProcess> replicas = new ArrayList<>();

  @BeforeEach
  void createCluster() {
    server = OwnPostgresCluster.create(CLUSTER, PORT);
    database =
        Database.builder()
            .url(server.url())
            .user(PostgresDatabases.USER)
            .maximumPoolSize(4)
            .build();
    LoopworkSchema.create(database);
    cluster = new ClusterRecord(database);
  }

  @AfterEach
  void dropCluster() {
    replicas.forEach(ReplicaProcess::close);
    if (database != null) {
      database.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aServerRestartRunsNothingTwiceAndLeavesTheLeasesWithTheirOwners() throws Exception {
    int services = 6;
    int leases = services + 1; // and the journal pruner
    for (String id : List.of("r1", "r2", "r3")) {
      replicas.add(
          ReplicaProcess.start(
              server.url() + "?ApplicationName=replica-" + id,
              id,
              services,
              INTERVAL,
              Duration.ZERO,
              LeaseCoordinator.DEFAULT_LEASE_TTL,
              "none"));
    }
    ReplicaClusterTestBase.awaitReady(replicas.toArray(ReplicaProcess[]::new));
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.balanced(3, leases));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster
                        .query(
                            "SELECT replica_id FROM loopwork_replica r "
                                + "JOIN pg_locks k ON k.locktype = 'advisory' AND k.objsubid = 2 AND k.objid::text = r.session_lock "
                                + "AND k.granted") // not the other replicas' watches waiting for it
                        .size()
                    == 3);
    Map<String, String> before = owners();

    server.restart();
    int runs = journalCountWhenUp();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.journalCount() >= runs + 3 * services);
    Map<String, String> after = owners();

    long moved = before.keySet().stream().filter(s -> !before.get(s).equals(after.get(s))).count();
    System.out.println(
        "Leases that changed owner across the server restart: " + moved + " of " + leases);
    assertThat(replicas).allSatisfy(r -> assertThat(r.isAlive()).isTrue());
    assertThat(cluster.overlappingIterations()).isZero();
  }

  private int journalCountWhenUp() {
    int[] count = new int[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              count[0] = cluster.journalCount();
              return true;
            });
    return count[0];
  }

  private Map<String, String> owners() throws Exception {
    Map<String, String> owners = new TreeMap<>();
    for (String row :
        cluster.query("SELECT service || '=' || COALESCE(owner, '-') FROM loopwork_lease")) {
      String[] parts = row.split("=", 2);
      owners.put(parts[0], parts[1]);
    }
    return owners;
  }
}
