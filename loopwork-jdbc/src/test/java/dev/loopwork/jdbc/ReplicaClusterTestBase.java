package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh PostgreSQL database per test with Loopwork's tables, replica processes ({@link
 * ReplicaMain}) on it, and what they did read back through {@link #cluster}. Replicas are killed
 * and the database dropped after each test.
 */
abstract class ReplicaClusterTestBase {
  PostgresDatabases.Fresh fresh;
  Database database;
  ClusterRecord cluster;
  private final List<ReplicaProcess> replicas = new ArrayList<>();

  @BeforeEach
  void createDatabase() {
    fresh = PostgresDatabases.create();
    database = fresh.open();
    cluster = new ClusterRecord(database);
    LoopworkSchema.create(database);
  }

  @AfterEach
  void stopEverything() throws Exception {
    replicas.forEach(ReplicaProcess::close);
    if (database != null) {
      database.close();
    }
    if (fresh != null) {
      fresh.close();
    }
  }

  /** Starts a replica process; see {@link ReplicaMain} for the arguments. */
  ReplicaProcess replica(String id, int services, Duration interval, Duration work, Duration ttl)
      throws IOException {
    return replicaAt(fresh.url, id, services, interval, work, ttl);
  }

  /** As {@link #replica}, connecting to the test's database through {@code url} (a pooler, say). */
  ReplicaProcess replicaAt(
      String databaseUrl, String id, int services, Duration interval, Duration work, Duration ttl)
      throws IOException {
    return replicaAt(databaseUrl, id, services, interval, work, ttl, "none");
  }

  /** As {@link #replicaAt}, with {@code writes} as in {@link ReplicaMain}. */
  ReplicaProcess replicaAt(
      String databaseUrl,
      String id,
      int services,
      Duration interval,
      Duration work,
      Duration ttl,
      String writes)
      throws IOException {
    ReplicaProcess replica =
        ReplicaProcess.start(named(databaseUrl, id), id, services, interval, work, ttl, writes);
    replicas.add(replica);
    return replica;
  }

  /** Starts a replica of the calendar service of {@link CronReplicaMain}. */
  ReplicaProcess cronReplica(String id, Duration ttl) {
    ReplicaProcess replica = ReplicaProcess.startCron(named(fresh.url, id), id, ttl);
    replicas.add(replica);
    return replica;
  }

  /** {@code databaseUrl} named after the replica, so that a test finds its server sessions. */
  private static String named(String databaseUrl, String id) {
    return databaseUrl + (databaseUrl.contains("?") ? "&" : "?") + "ApplicationName=replica-" + id;
  }

  /** Waits until each replica takes part, and fails with its output if it died instead. */
  static void awaitReady(ReplicaProcess... started) {
    for (ReplicaProcess replica : started) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> replica.printed("READY") || !replica.isAlive());
      assertThat(replica.printed("READY"))
          .as("replica %s output: %s", replica.replicaId, replica.output())
          .isTrue();
    }
  }
}
