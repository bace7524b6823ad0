package dev.loopwork.jdbc;

import static dev.loopwork.jdbc.LoopworkSchema.LEASE_TABLE;
import static dev.loopwork.jdbc.LoopworkSchema.REPLICA_TABLE;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the leases and replicas tables, and nothing else: {@link LeaseCoordinator} holds the
 * algorithm. Every time is read from the database's clock ({@code nowMillis}), never from this
 * process's. Thread-safe.
 */
final class LeaseStore {
  /** How many services' start times one renewal statement carries at most. */
  static final int RENEWAL_CHUNK = 500;

  /**
   * How long a fenced transaction may lock an expired lease, idle, before a replica taking the
   * lease ends it.
   */
  static final long STALE_FENCE_MILLIS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(LeaseStore.class);

  private final Database database;
  private final LongSupplier nanoTime;
  private final String now;
  // The database's now for how long ago a lease's last start was (see Lease).
  private final String sinceNow;
  private final int queryTimeoutSeconds;
  // The columns of a Lease, in its order.
  private final String leaseColumns;
  // The fenced commit's check (the lease's row locked if this replica holds it under a token), and
  // the same with the COMMIT in one round trip, null where the dialect cannot.
  private final String lockForCommitSql;
  private final String commitIfHeldSql;

  /** A store whose leases are read at the times of {@link System#nanoTime()}. */
  LeaseStore(Database database, int queryTimeoutSeconds) {
    this(database, queryTimeoutSeconds, System::nanoTime);
  }

  /**
   * A store that takes the moments around each read of a lease ({@link Lease#sentNanos()}, {@link
   * Lease#answeredNanos()}) from {@code nanoTime}, the clock of the leases' holder.
   */
  LeaseStore(Database database, int queryTimeoutSeconds, LongSupplier nanoTime) {
    this.database = database;
    this.nanoTime = nanoTime;
    this.now = database.dialect().nowMillis();
    this.sinceNow = database.dialect().statementNowMillis();
    this.leaseColumns =
        "SELECT service, owner, fencing_token, expires_ms - "
            + now
            + ", "
            + sinceNow
            + " - last_started_ms, last_fire_ms FROM "
            + LEASE_TABLE;
    this.queryTimeoutSeconds = queryTimeoutSeconds;
    this.lockForCommitSql =
        "SELECT 1 FROM "
            + LEASE_TABLE
            + " WHERE service = ? AND owner = ? AND fencing_token = ? AND expires_ms > "
            + now
            + " FOR UPDATE";
    this.commitIfHeldSql = database.dialect().commitIfOneRow(lockForCommitSql);
  }

  /**
   * A lease as read: times relative to the database's now, in milliseconds; the last recorded fire
   * of a calendar service in epoch milliseconds (null: none). The database's now of those times
   * lies between two moments of the store's clock: {@code sentNanos}, just before the statement (or
   * its transaction) was sent, so the lease lasts at least {@code remainingMillis} after it; and
   * {@code answeredNanos}, just after the statement answered (before a commit that may follow). The
   * last start was at most {@code sinceLastStartMillis} before {@code answeredNanos}: that time is
   * counted to when the reading statement ran, not to its transaction's start (on PostgreSQL, a
   * take's earlier statements would count, each a round trip on a busy machine), so a schedule
   * counted from it is never early and late by one answer's way back only.
   */
  record Lease(
      String service,
      String owner,
      long fencingToken,
      long remainingMillis,
      Long sinceLastStartMillis,
      Long lastFireMillis,
      long sentNanos,
      long answeredNanos) {}

  /**
   * Keeps this replica's row alive for {@code ttlMillis}, creating it if needed, records the time
   * of this heartbeat, the process id and its session lock ({@code null}: none, only the TTL tells
   * whether it lives).
   */
  void heartbeat(String replicaId, String host, long pid, long ttlMillis, String sessionLock)
      throws SQLException {
    try (Connection c = database.connection()) {
      int updated =
          update(
              c,
              "UPDATE "
                  + REPLICA_TABLE
                  + " SET expires_ms = "
                  + now
                  + " + ?, heartbeat_ms = "
                  + now
                  + ", pid = ?, session_lock = ? WHERE replica_id = ?",
              ttlMillis,
              pid,
              varchar(sessionLock),
              replicaId);
      if (updated == 0) {
        update(
            c,
            "INSERT INTO "
                + REPLICA_TABLE
                + " (replica_id, host, pid, started_ms, heartbeat_ms, expires_ms, session_lock) "
                + "VALUES (?, ?, ?, "
                + now
                + ", "
                + now
                + ", "
                + now
                + " + ?, ?)",
            replicaId,
            host,
            pid,
            ttlMillis,
            varchar(sessionLock));
      }
    }
  }

  /**
   * A replica's row as read; times in milliseconds since the epoch by the database's clock.
   *
   * @param pid its process id, or null if an older Loopwork wrote the row
   * @param heartbeatMs its last heartbeat, or null if an older Loopwork wrote the row
   */
  record Replica(
      String replicaId, String host, Long pid, long startedMs, Long heartbeatMs, long expiresMs) {}

  /** The replicas whose heartbeat has not expired, in id order. */
  List<Replica> readLiveReplicas() throws SQLException {
    List<Replica> replicas = new ArrayList<>();
    try (Connection c = database.connection();
        PreparedStatement s =
            prepare(
                c,
                "SELECT replica_id, host, pid, started_ms, heartbeat_ms, expires_ms FROM "
                    + REPLICA_TABLE
                    + " WHERE expires_ms > "
                    + now);
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        replicas.add(
            new Replica(
                rs.getString(1),
                rs.getString(2),
                rs.getObject(3, Long.class),
                rs.getLong(4),
                rs.getObject(5, Long.class),
                rs.getLong(6)));
      }
    }
    // Ordered here, not by the database's collation, so that every database lists them alike.
    replicas.sort(Comparator.comparing(Replica::replicaId));
    return replicas;
  }

  private static Object varchar(String value) {
    return value != null ? value : VarcharNull.VALUE;
  }

  /** The number of replicas whose heartbeat has not expired. */
  int liveReplicas() throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            prepare(c, "SELECT COUNT(*) FROM " + REPLICA_TABLE + " WHERE expires_ms > " + now);
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** A live replica with the session lock that tells whether it still lives. */
  record Peer(String replicaId, String sessionLock) {}

  /**
   * On {@code c}, the live replica whose session lock is held that comes after {@code replicaId} in
   * id order (the first one after the last), leaving out those in {@code skip}, so that each
   * replica is watched by one other; empty if there is no other.
   */
  Optional<Peer> nextPeer(Connection c, String replicaId, Set<String> skip) throws SQLException {
    List<Peer> peers = new ArrayList<>();
    // Only replicas whose session lives: a watch that saw one end must not take its freed lock
    // again and again.
    try (PreparedStatement s =
        prepare(
            c,
            "SELECT r.replica_id, r.session_lock FROM "
                + REPLICA_TABLE
                + " r WHERE "
                + "r.expires_ms > "
                + now
                + " AND r.session_lock IS NOT NULL AND r.replica_id <> ? "
                + "AND NOT ("
                + database.dialect().sessionGone("r")
                + ")")) {
      s.setString(1, replicaId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (!skip.contains(rs.getString(1))) {
            peers.add(new Peer(rs.getString(1), rs.getString(2)));
          }
        }
      }
    }
    // Ordered here, not by the database's collation, so that every replica sees the same ring.
    peers.sort(Comparator.comparing(Peer::replicaId));
    return peers.stream()
        .filter(p -> p.replicaId().compareTo(replicaId) > 0)
        .findFirst()
        .or(() -> peers.stream().findFirst());
  }

  /** Removes this replica's row, so that the others count it out at once. */
  void removeReplica(String replicaId) throws SQLException {
    try (Connection c = database.connection()) {
      update(c, "DELETE FROM " + REPLICA_TABLE + " WHERE replica_id = ?", replicaId);
    }
  }

  /** Creates the lease row of {@code service} unless it exists: free, with fencing token 0. */
  void ensureLease(String service) throws SQLException {
    try (Connection c = database.connection()) {
      database.dialect().skipOthersLockedRows(c);
      update(
          c,
          "INSERT INTO "
              + LEASE_TABLE
              + " (service, owner, fencing_token, expires_ms, last_started_ms) "
              + "SELECT ?, NULL, 0, 0, NULL"
              + database.dialect().fromNoTable()
              + " WHERE NOT EXISTS (SELECT 1 FROM "
              + LEASE_TABLE
              + " WHERE service = ?)",
          service,
          service);
    } catch (SQLException e) {
      if (!database.dialect().isDuplicateKey(e)) {
        throw e;
      }
      // Another replica inserted it at the same moment: that is all we wanted.
    }
  }

  /**
   * Extends every lease that {@code replicaId} holds by {@code ttlMillis} and records the start of
   * the latest iteration of the services in {@code startNanos} (when, by the store's clock). One
   * statement renews all the leases and carries the first {@value #RENEWAL_CHUNK} starts; each
   * further {@value #RENEWAL_CHUNK} starts take one more statement that touches only their rows.
   */
  void renew(String replicaId, long ttlMillis, Map<String, Long> startNanos) throws SQLException {
    List<Map.Entry<String, Long>> starts = new ArrayList<>(startNanos.entrySet());
    try (Connection c = database.connection()) {
      for (int from = 0; from == 0 || from < starts.size(); from += RENEWAL_CHUNK) {
        long sendNanos = nanoTime.getAsLong();
        List<Map.Entry<String, Long>> chunk =
            starts.subList(from, Math.min(starts.size(), from + RENEWAL_CHUNK));
        List<Object> parameters = new ArrayList<>();
        StringBuilder sql = new StringBuilder("UPDATE " + LEASE_TABLE + " SET ");
        if (from == 0) {
          sql.append("expires_ms = ")
              .append(now)
              .append(" + ?")
              .append(chunk.isEmpty() ? "" : ", ");
          parameters.add(ttlMillis);
        }
        if (!chunk.isEmpty()) {
          sql.append("last_started_ms = CASE service");
          for (Map.Entry<String, Long> start : chunk) {
            sql.append(" WHEN ? THEN ").append(now).append(" - ?");
            parameters.add(start.getKey());
            parameters.add(millisBefore(sendNanos, start.getValue()));
          }
          sql.append(" ELSE last_started_ms END");
        }
        sql.append(" WHERE owner = ?");
        parameters.add(replicaId);
        if (from > 0) {
          sql.append(" AND service IN (").append("?, ".repeat(chunk.size() - 1)).append("?)");
          chunk.forEach(start -> parameters.add(start.getKey()));
        }
        // Not held up by another replica's lease row that a stalled fenced transaction has locked.
        database.dialect().skipOthersLockedRows(c);
        update(c, sql.toString(), parameters.toArray());
      }
    }
  }

  /** Every lease row. */
  List<Lease> readAll() throws SQLException {
    return read("");
  }

  /**
   * What a replica reads every poll: the leases nobody holds, the leases held by a replica whose
   * session lock is free (its session ended: see {@link #takeOrphaned}), and the number of live
   * replicas.
   */
  record FreeLeases(List<Lease> leases, List<Lease> orphaned, int liveReplicas) {}

  /**
   * The lease rows that nobody holds (never taken, released, reserved or expired), those whose
   * owner's session is gone, and the number of replicas whose heartbeat has not expired, in one
   * round trip.
   */
  FreeLeases readFree() throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement s =
            prepare(
                c,
                "SELECT service, owner, fencing_token, expires_ms - "
                    + now
                    + ", "
                    + sinceNow
                    + " - last_started_ms, last_fire_ms, 0 FROM "
                    + LEASE_TABLE
                    + " WHERE owner IS NULL OR expires_ms <= "
                    + now
                    + " UNION ALL SELECT l.service, l.owner, l.fencing_token, l.expires_ms - "
                    + now
                    + ", "
                    + sinceNow
                    + " - l.last_started_ms, l.last_fire_ms, 1 FROM "
                    + LEASE_TABLE
                    + " l JOIN "
                    + REPLICA_TABLE
                    + " r ON r.replica_id = "
                    + "l.owner WHERE l.expires_ms > "
                    + now
                    + " AND "
                    + database.dialect().sessionGone("r")
                    + " UNION ALL SELECT NULL, NULL, COUNT(*), 0, NULL, NULL, 2 FROM "
                    + REPLICA_TABLE
                    + " WHERE expires_ms > "
                    + now)) {
      long sentNanos = nanoTime.getAsLong();
      try (ResultSet rs = s.executeQuery()) {
        long answeredNanos = nanoTime.getAsLong();
        List<Lease> leases = new ArrayList<>();
        List<Lease> orphaned = new ArrayList<>();
        int live = 0;
        while (rs.next()) {
          switch (rs.getInt(7)) {
            case 0 -> leases.add(lease(rs, sentNanos, answeredNanos));
            case 1 -> orphaned.add(lease(rs, sentNanos, answeredNanos));
            default -> live = rs.getInt(3);
          }
        }
        return new FreeLeases(leases, orphaned, live);
      }
    }
  }

  /**
   * Takes the lease of {@code service} from {@code formerOwner}, whose session lock is free,
   * raising the fencing token: only if that replica still holds it under {@code fencingToken} and
   * its session is still gone at this moment (a replica that reconnected and took its lock again
   * keeps its leases).
   *
   * @return the lease as now held, or empty if it changed or the former owner is back
   */
  Optional<Lease> takeOrphaned(
      String service, String replicaId, long ttlMillis, String formerOwner, long fencingToken)
      throws SQLException {
    try (Connection c = database.connection()) {
      int taken =
          update(
              c,
              "UPDATE "
                  + LEASE_TABLE
                  + " SET owner = ?, fencing_token = fencing_token + 1, "
                  + "expires_ms = "
                  + now
                  + " + ? WHERE service = ? AND owner = ? AND fencing_token = ? AND EXISTS (SELECT 1 "
                  + "FROM "
                  + REPLICA_TABLE
                  + " r WHERE r.replica_id = ? AND "
                  + database.dialect().sessionGone("r")
                  + ")",
              replicaId,
              ttlMillis,
              service,
              formerOwner,
              fencingToken,
              formerOwner);
      if (taken == 0) {
        return Optional.empty();
      }
      return read(c, " WHERE service = ? AND owner = ?", service, replicaId).stream().findFirst();
    }
  }

  private List<Lease> read(String where, String... parameters) throws SQLException {
    try (Connection c = database.connection()) {
      return read(c, where, parameters);
    }
  }

  private List<Lease> read(Connection c, String where, String... parameters) throws SQLException {
    return read(c, nanoTime.getAsLong(), where, parameters);
  }

  /**
   * The leases {@code where} says, read on {@code c}; {@code sentNanos} is no later than the
   * database's now of the statement (within a transaction, taken before its first statement).
   */
  private List<Lease> read(Connection c, long sentNanos, String where, String... parameters)
      throws SQLException {
    try (PreparedStatement s = prepare(c, leaseColumns + where)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setString(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        long answeredNanos = nanoTime.getAsLong();
        List<Lease> leases = new ArrayList<>();
        while (rs.next()) {
          leases.add(lease(rs, sentNanos, answeredNanos));
        }
        return leases;
      }
    }
  }

  private static Lease lease(ResultSet rs, long sentNanos, long answeredNanos) throws SQLException {
    return new Lease(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getLong(4),
        nullableLong(rs, 5),
        nullableLong(rs, 6),
        sentNanos,
        answeredNanos);
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  /**
   * Takes the lease of {@code service} for {@code replicaId} if nobody holds it, raising its
   * fencing token. A lease that a replica gave up to restore the balance stays reserved for a while
   * for replicas below their share; {@code takeReserved} says whether this one is.
   *
   * @return the lease as now held, or empty if another replica holds it (or it is reserved for
   *     others)
   */
  Optional<Lease> acquire(String service, String replicaId, long ttlMillis, boolean takeReserved)
      throws SQLException {
    String free =
        takeReserved ? "(owner IS NULL OR expires_ms <= " + now + ")" : "expires_ms <= " + now;
    try (Connection c = database.connection()) {
      // Before the transaction's first statement: the database's now in it (its start, where the
      // database keeps one for the whole transaction) is no earlier.
      long sentNanos = nanoTime.getAsLong();
      Optional<Lease> taken =
          Transactions.call(
              c,
              () -> {
                // Skips a row that a fenced transaction has locked, rather than wait for it (see
                // endStaleFences).
                try (PreparedStatement s =
                    prepare(
                        c,
                        "SELECT service FROM "
                            + LEASE_TABLE
                            + " WHERE service = ? AND "
                            + free
                            + " FOR UPDATE SKIP LOCKED")) {
                  s.setString(1, service);
                  try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                      return Optional.<Lease>empty();
                    }
                  }
                }
                update(
                    c,
                    "UPDATE "
                        + LEASE_TABLE
                        + " SET owner = ?, fencing_token = fencing_token + 1, expires_ms = "
                        + now
                        + " + ? WHERE service = ?",
                    replicaId,
                    ttlMillis,
                    service);
                return read(c, sentNanos, " WHERE service = ? AND owner = ?", service, replicaId)
                    .stream()
                    .findFirst();
              });
      if (taken.isEmpty()) {
        endStaleFences(c, service);
      }
      return taken;
    }
  }

  /**
   * Ends the database session of a fenced transaction that still locks the row of {@code service}'s
   * expired lease and has waited, idle, for longer than {@link #STALE_FENCE_MILLIS}: its process
   * stalled between the check and the commit (a pause, SIGSTOP), and would keep the lease from
   * being taken until it woke. Its transaction rolls back.
   */
  private void endStaleFences(Connection c, String service) throws SQLException {
    for (long session :
        database
            .dialect()
            .endStaleLockHolders(
                c,
                database.dataSource(),
                LEASE_TABLE,
                "service",
                service,
                now,
                STALE_FENCE_MILLIS)) {
      LOG.warn(
          "Ended database session {}: its fenced transaction had locked the expired lease of {} for over {} ms "
              + "without committing (a paused or stopped process); its transaction is rolled back",
          session,
          service,
          STALE_FENCE_MILLIS);
    }
  }

  /**
   * In the open transaction of {@code c}: whether {@code replicaId} holds the lease of {@code
   * service} under {@code fencingToken} and it has not expired, by the database's clock; if so, its
   * row stays locked until the transaction ends, so that no other replica takes the lease before
   * then.
   */
  boolean lockForCommit(Connection c, String service, String replicaId, long fencingToken)
      throws SQLException {
    try (PreparedStatement s = prepare(c, lockForCommitSql)) {
      setLeaseHeld(s, service, replicaId, fencingToken);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * As {@link #lockForCommit}, and commits the transaction in the same round trip where the
   * database can ({@link dev.loopwork.jdbc.internal.Dialect#commitIfOneRow}); elsewhere only locks,
   * and the caller commits. Returns false, committing nothing, if the lease is not this replica's
   * under that token or has expired: the transaction must be rolled back.
   */
  boolean lockAndCommit(Connection c, String service, String replicaId, long fencingToken)
      throws SQLException {
    if (commitIfHeldSql == null) {
      return lockForCommit(c, service, replicaId, fencingToken);
    }
    try (PreparedStatement s = prepare(c, commitIfHeldSql)) {
      setLeaseHeld(s, service, replicaId, fencingToken);
      s.execute();
      return true;
    } catch (SQLException e) {
      if (database.dialect().isRefusedCommit(e)) {
        return false;
      }
      throw e;
    }
  }

  private static void setLeaseHeld(
      PreparedStatement s, String service, String replicaId, long fencingToken)
      throws SQLException {
    s.setString(1, service);
    s.setString(2, replicaId);
    s.setLong(3, fencingToken);
  }

  /**
   * Who holds the lease of {@code service} now, in words, e.g. "held by replica b under fencing
   * token 7".
   */
  String describeHolder(Connection c, String service) throws SQLException {
    Optional<Lease> lease = read(c, " WHERE service = ?", service).stream().findFirst();
    if (lease.isEmpty()) {
      return "gone from the table";
    }
    Lease l = lease.get();
    if (l.owner() == null) {
      return "free (fencing token " + l.fencingToken() + ")";
    }
    return (l.remainingMillis() > 0 ? "held" : "expired, last held")
        + " by replica "
        + l.owner()
        + " under fencing token "
        + l.fencingToken();
  }

  /**
   * Records {@code fireMillis} as the last started fire of the calendar service {@code service}, if
   * {@code replicaId} holds its lease under {@code fencingToken}, unexpired by the database's
   * clock, and no later or equal fire is recorded; returns whether it did.
   */
  boolean recordFire(String service, String replicaId, long fencingToken, long fireMillis)
      throws SQLException {
    try (Connection c = database.connection()) {
      return update(
              c,
              "UPDATE "
                  + LEASE_TABLE
                  + " SET last_fire_ms = ? WHERE service = ? AND owner = ? AND fencing_token = ?"
                  + " AND expires_ms > "
                  + now
                  + " AND (last_fire_ms IS NULL OR last_fire_ms < ?)",
              fireMillis,
              service,
              replicaId,
              fencingToken,
              fireMillis)
          == 1;
    }
  }

  /**
   * Gives up the lease of {@code service} if {@code replicaId} still holds it under {@code
   * fencingToken}, recording the start of its last iteration ({@code startNanos}, by the store's
   * clock; {@code null} keeps the recorded one), and announces it. For {@code reserveMillis} after
   * now only replicas below their share may take it (0: anyone, at once).
   */
  void release(
      String service, String replicaId, long fencingToken, Long startNanos, long reserveMillis)
      throws SQLException {
    try (Connection c = database.connection()) {
      Transactions.run(
          c, () -> releaseIn(c, service, replicaId, fencingToken, startNanos, reserveMillis));
    }
  }

  /**
   * As {@link #release} with no reservation, and removes the replica's row in the same transaction:
   * the replica's last lease and its place in the count of live replicas go at once, so the others
   * never count a replica that holds nothing.
   */
  void releaseAndLeave(String service, String replicaId, long fencingToken, Long startNanos)
      throws SQLException {
    try (Connection c = database.connection()) {
      Transactions.run(
          c,
          () -> {
            releaseIn(c, service, replicaId, fencingToken, startNanos, 0);
            update(c, "DELETE FROM " + REPLICA_TABLE + " WHERE replica_id = ?", replicaId);
          });
    }
  }

  private void releaseIn(
      Connection c,
      String service,
      String replicaId,
      long fencingToken,
      Long startNanos,
      long reserveMillis)
      throws SQLException {
    Long startedAgoMillis =
        startNanos == null ? null : millisBefore(nanoTime.getAsLong(), startNanos);
    int released =
        update(
            c,
            "UPDATE "
                + LEASE_TABLE
                + " SET owner = NULL, expires_ms = "
                + now
                + " + ?, "
                + "last_started_ms = COALESCE("
                + now
                + " - ?, last_started_ms) WHERE service = ? AND owner = ? "
                + "AND fencing_token = ?",
            reserveMillis,
            startedAgoMillis,
            service,
            replicaId,
            fencingToken);
    if (released > 0) {
      database.dialect().announceRelease(c, service);
    }
  }

  /**
   * How long before {@code sendNanos}, the moment a statement is sent, {@code startNanos} was, in
   * whole milliseconds to the nearest (never below 0): the statement records it against the
   * database's now, which is no earlier than that moment, so computed any sooner it would put the
   * start later than it was by the time in between.
   */
  private static long millisBefore(long sendNanos, long startNanos) {
    return Math.max(0, (sendNanos - startNanos + 500_000) / 1_000_000);
  }

  /** A NULL string parameter of {@link #update} (a plain null is a NULL number). */
  private enum VarcharNull {
    VALUE
  }

  private int update(Connection c, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement s = prepare(c, sql)) {
      for (int i = 0; i < parameters.length; i++) {
        Object value = parameters[i];
        if (value instanceof VarcharNull) {
          s.setNull(i + 1, Types.VARCHAR);
        } else if (value == null) {
          s.setNull(i + 1, Types.BIGINT);
        } else {
          s.setObject(i + 1, value);
        }
      }
      return s.executeUpdate();
    }
  }

  private PreparedStatement prepare(Connection c, String sql) throws SQLException {
    PreparedStatement s = c.prepareStatement(sql);
    s.setQueryTimeout(queryTimeoutSeconds);
    return s;
  }
}
