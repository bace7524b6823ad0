package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeaseStoreTest {
  private static final long MILLI = 1_000_000L;

  private final Database database = TestDatabases.h2();
  // The store's clock: still unless a test moves it.
  private final AtomicLong clock = new AtomicLong(1_000_000 * MILLI);
  private final LeaseStore store = new LeaseStore(database, 5, clock::get);

  @BeforeEach
  void createTables() {
    LoopworkSchema.create(database);
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void renewalRecordsStartsInChunksAndTouchesOnlyTheOwnersLeases() throws SQLException {
    int services = 2 * LeaseStore.RENEWAL_CHUNK + 1;
    Map<String, Long> startedAgo = new HashMap<>();
    Map<String, Long> startNanos = new HashMap<>();
    for (int i = 0; i < services; i++) {
      String service = "s" + i;
      store.ensureLease(service);
      assertThat(store.acquire(service, "me", 1_000, true)).isPresent();
      startedAgo.put(service, 60_000L + i);
      startNanos.put(service, clock.get() - (60_000L + i) * MILLI);
    }
    store.ensureLease("theirs");
    assertThat(store.acquire("theirs", "them", 1_000, true)).isPresent();

    store.renew("me", 600_000, startNanos);

    List<LeaseStore.Lease> leases = store.readAll();
    assertThat(leases)
        .filteredOn(l -> l.owner().equals("me"))
        .hasSize(services)
        .allSatisfy(
            l -> {
              assertThat(l.remainingMillis()).isGreaterThan(500_000);
              long expected = startedAgo.get(l.service());
              assertThat(l.sinceLastStartMillis()).isBetween(expected, expected + 5_000);
            });
    assertThat(leases)
        .filteredOn(l -> l.owner().equals("them"))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.remainingMillis()).isLessThanOrEqualTo(1_000);
              assertThat(l.sinceLastStartMillis()).isNull();
            });
  }

  @Test
  void acquireRaisesTheFencingTokenOnEveryChangeOfOwnerAndOnlyWhenFree() throws SQLException {
    store.ensureLease("s");
    store.ensureLease("s");
    assertThat(store.acquire("s", "a", 60_000, true))
        .get()
        .extracting(LeaseStore.Lease::fencingToken)
        .isEqualTo(1L);
    assertThat(store.acquire("s", "b", 60_000, true)).isEmpty();
    store.release("s", "a", 1, clock.get() - 100 * MILLI, 0);
    LeaseStore.Lease taken = store.acquire("s", "b", 60_000, true).orElseThrow();
    assertThat(taken.fencingToken()).isEqualTo(2);
    assertThat(taken.sinceLastStartMillis()).isBetween(100L, 5_000L);
    store.release("s", "a", 1, null, 0);
    assertThat(store.readFree().leases()).isEmpty();
  }

  @Test
  void aLeaseGivenUpForTheBalanceIsReservedForReplicasBelowTheirShare() throws SQLException {
    store.ensureLease("s");
    store.acquire("s", "a", 60_000, true).orElseThrow();
    store.release("s", "a", 1, null, 60_000);
    assertThat(store.acquire("s", "at-its-share", 60_000, false)).isEmpty();
    assertThat(store.acquire("s", "below-its-share", 60_000, true)).isPresent();

    store.release("s", "below-its-share", 2, null, 0);
    assertThat(store.acquire("s", "at-its-share", 60_000, false)).isPresent();
  }

  @Test
  void theLastReleaseAndLeavingTheReplicasTableAreOneStep() throws SQLException {
    store.heartbeat("a", "host", 11, 60_000, null);
    store.heartbeat("b", "host", 12, 60_000, null);
    store.ensureLease("s");
    store.acquire("s", "a", 60_000, true).orElseThrow();

    store.releaseAndLeave("s", "a", 1, clock.get() - 100 * MILLI);

    assertThat(store.readFree().liveReplicas()).isEqualTo(1);
    assertThat(store.readFree().leases())
        .singleElement()
        .satisfies(l -> assertThat(l.owner()).isNull());
  }

  @Test
  void startsAreCountedFromWhenTheStatementIsSentAndLeasesTellWhenTheyWereRead()
      throws SQLException {
    store.ensureLease("s");
    store.acquire("s", "a", 60_000, true).orElseThrow();
    long start = clock.get() - 100 * MILLI;
    // The replica's clock moves on a minute before the release is sent (a slow pool, a pause):
    // the start recorded is still the one it was, not a minute later.
    clock.addAndGet(60_000 * MILLI);

    store.release("s", "a", 1, start, 0);

    long readAt = clock.addAndGet(MILLI);
    LeaseStore.Lease taken = store.acquire("s", "b", 60_000, true).orElseThrow();
    assertThat(taken.sentNanos()).isEqualTo(readAt);
    assertThat(taken.answeredNanos()).isEqualTo(readAt);
    assertThat(taken.sinceLastStartMillis()).isBetween(60_100L, 65_000L);
    assertThat(store.readAll())
        .singleElement()
        .extracting(LeaseStore.Lease::answeredNanos)
        .isEqualTo(readAt);
  }
}
