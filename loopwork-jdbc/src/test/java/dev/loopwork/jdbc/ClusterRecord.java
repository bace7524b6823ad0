package dev.loopwork.jdbc;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What replicas of {@link ReplicaMain} did, read back from Loopwork's tables: the run journal and
 * the leases. The services are {@code svc-00...}; single-service checks are about {@code svc-00}.
 */
final class ClusterRecord {
  /** How many of a replica's latest slots {@link #lastSlot} looks at. */
  private static final int RECENT_SLOTS = 6;

  private final Database database;

  ClusterRecord(Database database) {
    this.database = database;
  }

  boolean balanced(int replicas, int leases) throws SQLException {
    Map<String, Integer> held = new HashMap<>();
    for (String row :
        query(
            "SELECT owner || '=' || COUNT(*) FROM loopwork_lease WHERE owner IS NOT NULL AND "
                + "expires_ms > "
                + database.dialect().nowMillis()
                + " GROUP BY owner")) {
      String[] parts = row.split("=");
      held.put(parts[0], Integer.parseInt(parts[1]));
    }
    int most = (leases + replicas - 1) / replicas + 1;
    return held.size() == replicas
        && held.values().stream().mapToInt(Integer::intValue).sum() == leases
        && held.values().stream().allMatch(n -> n <= most);
  }

  String holderOf(String service) throws SQLException {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                !query(
                        "SELECT owner FROM loopwork_lease WHERE service = '"
                            + service
                            + "' AND owner IS NOT NULL")
                    .isEmpty());
    return query("SELECT owner FROM loopwork_lease WHERE service = '" + service + "'").get(0);
  }

  OffsetDateTime awaitFirstRun(String replica, Instant after, Duration within) throws SQLException {
    String sql =
        "SELECT MIN(started_at) FROM loopwork_run WHERE service = 'svc-00' AND replica_id = ? "
            + "AND started_at > ?";
    await().atMost(within).until(() -> timestamp(sql, replica, after) != null);
    return timestamp(sql, replica, after);
  }

  /**
   * The first start of svc-00 after {@code after} on any replica but {@code owner}, waiting for it.
   */
  OffsetDateTime awaitFirstRunElsewhere(String owner, OffsetDateTime after, Duration within)
      throws SQLException {
    String sql =
        "SELECT MIN(started_at) FROM loopwork_run WHERE service = 'svc-00' AND replica_id <> ? "
            + "AND started_at > ?";
    await().atMost(within).until(() -> timestamp(sql, owner, after.toInstant()) != null);
    return timestamp(sql, owner, after.toInstant());
  }

  OffsetDateTime lastRun(String replica) throws SQLException {
    return timestamp(
        "SELECT MAX(started_at) FROM loopwork_run WHERE service = 'svc-00' AND replica_id = ? "
            + "AND started_at > ?",
        replica,
        Instant.EPOCH);
  }

  /**
   * The slot that the latest start of svc-00 on {@code replica} was due at: a start can come late
   * (a busy machine), its schedule does not move. Starts on one schedule lie on one grid of {@code
   * interval}, each at or after its slot, so the earliest of the replica's recent starts, carried
   * forward by whole intervals, bounds the slot closely.
   */
  OffsetDateTime lastSlot(String replica, Duration interval) throws SQLException {
    OffsetDateTime last = lastRun(replica);
    OffsetDateTime slot = last;
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT started_at FROM loopwork_run WHERE service = 'svc-00' AND replica_id = ? "
                    + "AND started_at >= ?")) {
      s.setString(1, replica);
      s.setObject(2, last.minus(interval.multipliedBy(RECENT_SLOTS)));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          OffsetDateTime start = rs.getObject(1, OffsetDateTime.class);
          long slots =
              Math.round((double) Duration.between(start, last).toNanos() / interval.toNanos());
          OffsetDateTime carried = start.plus(interval.multipliedBy(slots));
          if (carried.isBefore(slot)) {
            slot = carried;
          }
        }
      }
    }
    return slot;
  }

  OffsetDateTime timestamp(String sql, String replica, Instant after) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, replica);
      s.setObject(2, after.atOffset(ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getObject(1, OffsetDateTime.class);
      }
    }
  }

  List<Long> fencingTokensInStartOrder(String service) throws SQLException {
    List<Long> tokens = new ArrayList<>();
    for (String token :
        query(
            "SELECT fencing_token FROM loopwork_run WHERE service = '"
                + service
                + "' ORDER BY started_at")) {
      tokens.add(Long.parseLong(token));
    }
    return tokens;
  }

  long fencingTokenAt(String replica, OffsetDateTime startedAt) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT fencing_token FROM loopwork_run WHERE service = 'svc-00' AND replica_id = ? AND started_at = ?")) {
      s.setString(1, replica);
      s.setObject(2, startedAt);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  int journalCount() throws SQLException {
    return Integer.parseInt(
        query("SELECT COUNT(*) FROM loopwork_run WHERE service LIKE 'svc-%'").get(0));
  }

  int runsStartedBetween(Instant from, Instant to) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT COUNT(*) FROM loopwork_run WHERE service LIKE 'svc-%' AND started_at BETWEEN ? AND ?")) {
      s.setObject(1, from.atOffset(ZoneOffset.UTC));
      s.setObject(2, to.atOffset(ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Pairs of journal entries of one service, from different replicas, whose time spans overlap. */
  int overlappingIterations() throws SQLException {
    return Integer.parseInt(
        query(
                "SELECT COUNT(*) FROM loopwork_run x JOIN loopwork_run y "
                    + "ON x.service = y.service AND x.id < y.id AND x.replica_id <> y.replica_id "
                    + "AND x.started_at < y.started_at + y.duration_us * INTERVAL '1 microsecond' "
                    + "AND y.started_at < x.started_at + x.duration_us * INTERVAL '1 microsecond'")
            .get(0));
  }

  List<String> query(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = database.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
