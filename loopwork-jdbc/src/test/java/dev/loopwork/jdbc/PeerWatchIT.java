package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
      watch.retargetUnless(LeaseStore.nextInRing(store.liveReplicas().watchable(), "a"));
      awaitWaiterOn("b");

      b.close();
      await().atMost(Duration.ofSeconds(1)).until(() -> seenGone.get() == 1);
      assertThat(c.isClosed()).isFalse();
    }
  }

  /**
   * A ring that still has the watched replica next keeps the wait as it is: looking again would open a new
   * connection, a moment in which nobody is watched.
   */
  @Test
  void theWatchKeepsItsWaitWhileTheReplicaItWatchesIsStillTheNextOne() throws Exception {
    try (Connection c = liveReplica("c")) {
      startWatch("a");
      int waiter = awaitWaiterOn("c");
      try (Connection d = liveReplica("d")) {
        watch.retargetUnless(LeaseStore.nextInRing(store.liveReplicas().watchable(), "a"));
        Thread.sleep(300); // time enough for an abort and a new wait, had there been one
        assertThat(waitersOn("c")).containsExactly(waiter);
      }
    }
  }

  /** A replica whose session ended counts no longer, and leaves the ring, before its heartbeat expires. */
  @Test
  void aReplicaWhoseSessionEndedIsNoLongerLive() throws Exception {
    Connection c = liveReplica("c");
    try (Connection b = liveReplica("b")) {
      assertThat(store.liveReplicas().all()).containsExactlyInAnyOrder("b", "c");
      c.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> store.liveReplicas().all().equals(List.of("b")));
      assertThat(store.readFree().liveReplicas().watchable()).containsExactly("b");
      assertThat(LeaseStore.nextInRing(store.liveReplicas().watchable(), "a")).contains("b");
    }
  }

  /** Waits until a session waits for the session lock of {@code replicaId}: the watch is on it; returns its pid. */
  private int awaitWaiterOn(String replicaId) {
    return await().atMost(Duration.ofSeconds(5)).until(() -> waitersOn(replicaId), pids -> !pids.isEmpty()).get(0);
  }

  /** The backends that wait for the session lock of {@code replicaId}. */
  private List<Integer> waitersOn(String replicaId) throws SQLException {
    try (Connection c = database.connection(); var s = c.prepareStatement("SELECT k.pid FROM pg_locks k "
        + "JOIN loopwork_replica r ON k.objid::text = r.session_lock WHERE k.locktype = 'advisory' "
        + "AND k.objsubid = 2 AND NOT k.granted AND r.replica_id = ? ORDER BY k.pid")) {
      s.setString(1, replicaId);
      try (var rs = s.executeQuery()) {
        List<Integer> pids = new ArrayList<>();
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
        return pids;
      }
    }
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
