package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on MariaDB: the owner of a 500 ms service is killed with {@code kill -9} ten times in a
 * row, at the default lease TTL (10 s); its {@code GET_LOCK} session lock ends with its connection,
 * and another replica runs the service within two polls plus one interval, keeping its schedule.
 * Replicas are separate JVMs ({@link ReplicaMain}).
 */
class MariaDbSessionLivenessIT {
  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration TTL = LeaseCoordinator.DEFAULT_LEASE_TTL;

  private MariaDbDatabases.Fresh fresh;
  private Database database;
  private final List<ReplicaProcess> replicas = new ArrayList<>();

  @BeforeEach
  void createDatabase() {
    fresh = MariaDbDatabases.create();
    database = fresh.open();
    LoopworkSchema.create(database);
  }

  @AfterEach
  void stopEverything() throws SQLException {
    replicas.forEach(ReplicaProcess::close);
    database.close();
    fresh.close();
  }

  @Test
  void killDashNineFailsOverWithinTwoPollsAndOneIntervalTenTimesInARow() throws Exception {
    List<ReplicaProcess> live = new ArrayList<>(List.of(replica("m0"), replica("m1")));
    ReplicaClusterTestBase.awaitReady(live.toArray(ReplicaProcess[]::new));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> count("SELECT COUNT(*) FROM loopwork_run") >= 4);
    Duration bound =
        LeaseCoordinator.DEFAULT_POLL_INTERVAL.multipliedBy(2).plus(INTERVAL).plusMillis(300);
    List<Long> failOvers = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  count(
                          "SELECT COUNT(*) FROM loopwork_replica "
                              + "WHERE IS_USED_LOCK(session_lock) IS NOT NULL")
                      == live.size());
      String holder = owner();
      ReplicaProcess owner =
          live.stream().filter(r -> r.replicaId.equals(holder)).findFirst().orElseThrow();
      Instant killed = Instant.now();
      owner.kill();
      owner.awaitExit(Duration.ofSeconds(10));
      live.remove(owner);
      await().atMost(Duration.ofSeconds(15)).until(() -> firstRunElsewhere(holder, killed) != null);
      Instant first = firstRunElsewhere(holder, killed);
      Duration failOver = Duration.between(killed, first);
      failOvers.add(failOver.toMillis());
      assertThat(failOver)
          .as("round %d: fail-over after kill -9", round)
          .isLessThanOrEqualTo(bound);
      // No slot the dead owner may have run is run again: the next start keeps the schedule. (An
      // owner that took
      // the lease just before the kill may have started nothing: then the previous owner's last
      // start counts.)
      long lastStart =
          replicas.stream()
              .flatMap(r -> r.output().stream())
              .filter(line -> line.startsWith("START svc-00 "))
              .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)))
              .filter(
                  micros -> micros < killed.getEpochSecond() * 1_000_000 + killed.getNano() / 1_000)
              .max()
              .orElseThrow();
      long sinceLast = first.getEpochSecond() * 1_000_000 + first.getNano() / 1_000 - lastStart;
      assertThat(sinceLast)
          .as("round %d: next start after the last one before the kill (us)", round)
          .isGreaterThanOrEqualTo(INTERVAL.toNanos() / 2_000);

      ReplicaProcess replacement = replica("m" + (round + 2));
      ReplicaClusterTestBase.awaitReady(replacement);
      live.add(replacement);
    }
    System.out.println("MariaDB fail-over after kill -9 at the default TTL (ms): " + failOvers);
    assertThat(
            count(
                "SELECT COUNT(*) FROM loopwork_run x JOIN loopwork_run y ON x.service = y.service "
                    + "AND x.id < y.id AND x.replica_id <> y.replica_id "
                    + "AND x.started_at < TIMESTAMPADD(MICROSECOND, y.duration_us, y.started_at) "
                    + "AND y.started_at < TIMESTAMPADD(MICROSECOND, x.duration_us, x.started_at)"))
        .isZero();
  }

  private ReplicaProcess replica(String id) throws Exception {
    ReplicaProcess replica =
        ReplicaProcess.start(
            MariaDbDatabases.SERVER_URL + fresh.name, id, 1, INTERVAL, Duration.ZERO, TTL, "none");
    replicas.add(replica);
    return replica;
  }

  private String owner() throws SQLException {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                count(
                        "SELECT COUNT(*) FROM loopwork_lease "
                            + "WHERE service = 'svc-00' AND owner IS NOT NULL")
                    == 1);
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT owner FROM loopwork_lease WHERE service = 'svc-00'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private Instant firstRunElsewhere(String formerOwner, Instant after) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT MIN(started_at) "
                    + "FROM loopwork_run WHERE service = 'svc-00' AND replica_id <> ? AND started_at > ?")) {
      s.setString(1, formerOwner);
      s.setObject(2, database.dialect().timestampParameter(after));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return database.dialect().timestampValue(rs, 1);
      }
    }
  }

  private int count(String sql) throws SQLException {
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
