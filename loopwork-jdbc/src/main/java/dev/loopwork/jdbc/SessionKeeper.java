package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session thread of a {@link LeaseCoordinator}'s replica: holds a connection of its own with
 * the session lock that tells the other replicas this one is alive, and blocks on it (listening for
 * announced releases where the database has them, and telling the coordinator of each). The moment
 * the session is lost, no iteration starts here any more and the running ones are revoked; the
 * thread reconnects and takes the same lock again, and iterations resume after a full renewal shows
 * which leases are still this replica's. Without a session lock that this connection's own session
 * holds (a transaction pooler in between), the replica warns once and its leases fail over by their
 * TTL alone.
 */
final class SessionKeeper implements Runnable {
  // Logs as the coordinator, whose lines operators read and filter by its name.
  private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

  /** How long the session thread blocks on its connection at a time, so that it notices a close. */
  private static final int SESSION_WAIT_MILLIS = 1_000;

  /** What the session thread tells the coordinator, and asks it. */
  interface Listener {
    /**
     * Whether the replica still needs its session: until the coordinator is closed and the last
     * seat that was in an iteration then has left.
     */
    boolean needsSession();

    /** The session lock is held, for the first time or again: the leases are to be checked. */
    void sessionHeld();

    /** The database announced a release on the session's connection. */
    void announcementArrived();

    /**
     * The session that held the lock ended: the iterations that run here are to be interrupted
     * (none starts until it is back, see {@link #isLost()}).
     */
    void sessionLost();
  }

  private final Database database;
  private final DatabaseHealth health;
  private final String replicaId;
  private final Duration pollInterval;
  private final Listener listener;
  // The session lock recorded in this replica's row (null: none yet, or none possible).
  private volatile String sessionLock;
  // Whether the session that holds it is alive; how often it was (re)taken.
  private volatile boolean held;
  private volatile long restores;
  // Whether iterations wait for a full renewal after a loss.
  private volatile boolean lost;

  SessionKeeper(
      Database database,
      DatabaseHealth health,
      String replicaId,
      Duration pollInterval,
      Listener listener) {
    this.database = database;
    this.health = health;
    this.replicaId = replicaId;
    this.pollInterval = pollInterval;
    this.listener = listener;
  }

  /** The session lock to record in this replica's row; null: none yet, or none possible. */
  String lock() {
    return sessionLock;
  }

  /** Whether the session that holds the lock is alive. */
  boolean isHeld() {
    return held;
  }

  /** How often the lock was taken, first and again. */
  long restores() {
    return restores;
  }

  /**
   * Whether the session was lost and iterations wait, until {@link #resumed()}, for a full renewal
   * made once it was back.
   */
  boolean isLost() {
    return lost;
  }

  /**
   * The session is back, and a full renewal made after said which leases are still this replica's:
   * iterations may start again.
   */
  void resumed() {
    lost = false;
  }

  /** Runs the session thread until the replica no longer needs its session. */
  @Override
  public void run() {
    String lock = null;
    while (keepsSession()) {
      try (Connection connection = database.dedicatedConnection()) {
        String taken = database.dialect().takeSessionLock(connection, lock);
        if (taken == null && lock == null) {
          LOG.warn(
              "Replica {} cannot hold a database session lock on {}: its own server session does not keep it "
                  + "(a transaction pooler such as PgBouncer in between?). Its leases fail over only when their TTL "
                  + "runs out. Give Loopwork a direct connection to the database for fail-over within a second.",
              replicaId,
              database.url());
          return;
        }
        if (taken == null) {
          throw new SQLException(
              "the session lock " + lock + " is still held by an earlier session");
        }
        if (lost) {
          // The database accepts connections again: a fresh pool connects at once, where the
          // old one may still be backing off between attempts for seconds.
          database.renewPool();
        }
        lock = taken;
        sessionLock = taken;
        restores++;
        held = true;
        listener.sessionHeld();
        while (keepsSession()) {
          if (database.dialect().watchSession(connection, SESSION_WAIT_MILLIS)) {
            listener.announcementArrived();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!keepsSession()) {
          return;
        }
        if (held) {
          lose(e);
        }
        LockSupport.parkNanos(pollInterval.toNanos() / 4);
      }
    }
  }

  /**
   * Whether the session must still be held: until the coordinator is closed and the last seat that
   * was in an iteration then has left (or the database is closed).
   */
  private boolean keepsSession() {
    return listener.needsSession() && !database.isClosed();
  }

  /**
   * The session that holds this replica's lock ended: start nothing more, revoke what runs, until
   * it is back.
   */
  private void lose(Exception cause) {
    held = false;
    lost = true;
    // One WARN per outage, shared with the other statements that fail in it.
    health.failed(
        "keep the database session of replica "
            + replicaId
            + " (no iteration starts here until it is "
            + "back and its leases are checked; the running ones are interrupted)",
        cause);
    listener.sessionLost();
    // The server ended this session: it has likely ended the pool's too.
    database.evictConnections();
  }
}
