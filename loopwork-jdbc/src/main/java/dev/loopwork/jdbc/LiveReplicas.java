package dev.loopwork.jdbc;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * The replicas whose heartbeat has not expired, as every replica that shares the database sees
 * them, timed by the database's clock: for operators' views of hosts built on loopwork-jdbc. It
 * only reads; which leases each one holds is {@link LeaseOwners}'s to tell.
 *
 * <pre>{@code
 * for (LiveReplicas.Replica r : LiveReplicas.read(database)) {
 *   System.out.println(r.replicaId() + " on " + r.host() + " since " + r.startedAt());
 * }
 * }</pre>
 */
public final class LiveReplicas {
  private static final int QUERY_TIMEOUT_SECONDS = 5;

  private LiveReplicas() {}

  /**
   * Every live replica, in id order.
   *
   * @throws DatabaseException if the replicas table cannot be read
   */
  public static List<Replica> read(Database database) {
    try {
      return new LeaseStore(database, QUERY_TIMEOUT_SECONDS)
          .readLiveReplicas().stream()
              .map(
                  r ->
                      new Replica(
                          r.replicaId(),
                          r.host(),
                          r.pid(),
                          Instant.ofEpochMilli(r.startedMs()),
                          r.heartbeatMs() == null ? null : Instant.ofEpochMilli(r.heartbeatMs()),
                          Instant.ofEpochMilli(r.expiresMs())))
              .toList();
    } catch (SQLException e) {
      throw new DatabaseException(
          "Cannot read the replicas of " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * A live replica.
   *
   * @param replicaId its id, as its leases and journal entries name it
   * @param host the name of the machine it runs on
   * @param pid its process id, or null for a row that an older Loopwork (schema version 3) wrote
   * @param startedAt when it first joined
   * @param lastHeartbeat its last heartbeat, or null like {@code pid}
   * @param expiresAt when it counts as gone without a further heartbeat
   */
  public record Replica(
      String replicaId,
      String host,
      Long pid,
      Instant startedAt,
      Instant lastHeartbeat,
      Instant expiresAt) {}
}
