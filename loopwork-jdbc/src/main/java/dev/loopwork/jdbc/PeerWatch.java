package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, on a connection of its own, for the session lock of one other live replica (the next one
 * by id, so that every replica is watched by one other): the moment that replica's session ends,
 * the wait takes the lock, lets it go at once and calls {@code onGone} with that replica's id, and
 * announces it where the database has notifications, so that the replicas see the orphaned leases
 * within milliseconds instead of at their next poll. When the replicas change, {@link #retarget}
 * ends the wait at once, so that a replica that joins is watched within a poll. Polling stays the
 * fallback: a replica nobody watches (its watcher died with it) is found at the next poll.
 */
final class PeerWatch implements Runnable {
  /**
   * How long one wait lasts at most, after which the watch looks again for the replica to watch.
   */
  static final int WAIT_MILLIS = 2_000;

  /**
   * How long a replica whose session the watch saw end is not watched again. While another session
   * (a second watch of it, or the server session of an aborted watch still waiting for its lock)
   * takes the freed lock, that replica looks alive; watching it again would take the lock back and
   * forth with that session and keep it looking alive to everyone, so that its leases would wait
   * for their TTL. The default lease TTL.
   */
  static final long GONE_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final Logger LOG = LoggerFactory.getLogger(PeerWatch.class);

  private final Database database;
  private final LeaseStore store;
  private final String replicaId;
  private final long retryNanos;
  private final Consumer<String> onGone;
  private volatile boolean closed;
  private volatile boolean retargeting;
  private volatile Connection connection;
  // The replicas this watch saw gone, and when; read and written by the watch's thread only.
  private final Map<String, Long> seenGone = new HashMap<>();

  PeerWatch(
      Database database,
      LeaseStore store,
      String replicaId,
      long retryNanos,
      Consumer<String> onGone) {
    this.database = database;
    this.store = store;
    this.replicaId = replicaId;
    this.retryNanos = retryNanos;
    this.onGone = onGone;
  }

  /** Ends the watch within one wait. */
  void close() {
    closed = true;
  }

  /**
   * The live replicas changed: ends the current wait (by aborting its connection) and looks again
   * for the replica to watch.
   */
  void retarget() {
    Connection waiting = connection;
    if (waiting != null) {
      retargeting = true;
      try {
        waiting.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        LOG.debug("Replica {} could not end its watch to look again: {}", replicaId, e.toString());
      }
    }
  }

  @Override
  public void run() {
    while (!closed) {
      try (Connection opened = database.dedicatedConnection()) {
        connection = opened;
        while (!closed) {
          watchOnce(opened);
        }
      } catch (SQLException | RuntimeException e) {
        connection = null;
        if (retargeting) {
          retargeting = false;
        } else {
          LOG.debug(
              "Replica {} stopped watching another replica's session for now: {}",
              replicaId,
              e.toString());
          LockSupport.parkNanos(retryNanos);
        }
      }
    }
  }

  private void watchOnce(Connection connection) throws SQLException {
    long now = System.nanoTime();
    seenGone.values().removeIf(seen -> now - seen >= GONE_MEMORY_NANOS);
    Optional<LeaseStore.Peer> peer = store.nextPeer(connection, replicaId, seenGone.keySet());
    if (peer.isEmpty()) {
      LockSupport.parkNanos(WAIT_MILLIS * 1_000_000L);
      return;
    }
    if (database.dialect().awaitSessionEnd(connection, peer.get().sessionLock(), WAIT_MILLIS)) {
      LOG.debug("Replica {} saw the session of replica {} end", replicaId, peer.get().replicaId());
      seenGone.put(peer.get().replicaId(), System.nanoTime());
      onGone.accept(peer.get().replicaId());
      database.dialect().announceRelease(connection, peer.get().replicaId());
    }
  }
}
