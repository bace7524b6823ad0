package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a replica's watch of the next replica's session, on PostgreSQL, with the other replicas' sessions played
 * by connections of the test.
 */
class PeerWatchIT {
  private PostgresDatabases.Fresh fresh;
  private Database database;
  private LeaseStore store;
  private PeerWatch watch;
  private final AtomicInteger seenGone = new AtomicInteger();

  @BeforeEach
  void createDatabase() {
    fresh = PostgresDatabases.create();
    database = fresh.open();
    LoopworkSchema.create(database);
    store = new LeaseStore(database, 5);
  }

  @AfterEach
  void closeAll() throws SQLException {
    if (watch != null) {
      watch.close();
    }
    database.close();
    fresh.close();
  }

  @Test
  void theEndOfTheWatchedSessionIsSeenAtOnce() throws Exception {
    Connection c = liveReplica("c");
    startWatch("a");
    awaitWaiterOn("c");

    long ended = System.nanoTime();
    c.close();
    await().atMost(Duration.ofSeconds(1)).until(() -> seenGone.get() == 1);
    assertThat(System.nanoTime() - ended).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
  }

  /** Without the look again, the watch would wait for c's lock for its whole 2 s and miss b's end. */
  @Test
  void aReplicaThatJoinsIsWatchedOnceTheWatchLooksAgain() throws Exception {
    try (Connection c = liveReplica("c")) {
      startWatch("a");
      awaitWaiterOn("c"); // b, the next after a, is not there yet
      Connection b = liveReplica("b");
      watch.retarget();
      awaitWaiterOn("b");

      b.close();
      await().atMost(Duration.ofSeconds(1)).until(() -> seenGone.get() == 1);
      assertThat(c.isClosed()).isFalse();
    }
  }

  /** Waits until a session waits for the session lock of {@code replicaId}: the watch is on it. */
  private void awaitWaiterOn(String replicaId) {
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      try (Connection c = database.connection(); var s = c.prepareStatement("SELECT COUNT(*) FROM pg_locks k "
          + "JOIN loopwork_replica r ON k.objid::text = r.session_lock WHERE k.locktype = 'advisory' "
          + "AND k.objsubid = 2 AND NOT k.granted AND r.replica_id = ?")) {
        s.setString(1, replicaId);
        try (var rs = s.executeQuery()) {
          rs.next();
          return rs.getInt(1) > 0;
        }
      }
    });
  }

  /** A replica row whose session lock is held by a connection of its own, as a live replica's is. */
  private Connection liveReplica(String replicaId) throws SQLException {
    Connection session = database.dedicatedConnection();
    String lock = database.dialect().takeSessionLock(session, null);
    assertThat(lock).isNotNull();
    store.heartbeat(replicaId, "test-host", 60_000, lock);
    return session;
  }

  private void startWatch(String replicaId) {
    watch = new PeerWatch(database, store, replicaId, TimeUnit.MILLISECONDS.toNanos(200),
        gone -> seenGone.incrementAndGet());
    Thread thread = new Thread(watch, "peer-watch-" + replicaId);
    thread.setDaemon(true);
    thread.start();
  }
}
