package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The readers of the fleet for reports: {@link LeaseOwners} and {@link LiveReplicas}. */
class LeaseOwnersTest {
  private final Database database = TestDatabases.h2();
  private final LeaseStore store = new LeaseStore(database, 5);

  @BeforeEach
  void createTables() {
    LoopworkSchema.create(database);
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void namesTheLiveOwnerOfEachLeaseAndNobodyForFreeOrExpiredOnes() throws SQLException {
    for (String service : new String[] {"held", "free", "expired"}) {
      store.ensureLease(service);
    }
    assertThat(store.acquire("held", "replica-1", 60_000, true)).isPresent();
    assertThat(store.acquire("expired", "replica-2", 0, true)).isPresent();

    assertThat(LeaseOwners.read(database))
        .containsEntry("held", Optional.of("replica-1"))
        .containsEntry("free", Optional.empty())
        .containsEntry("expired", Optional.empty())
        .hasSize(3);
  }

  @Test
  void listsTheLiveReplicasWithHostPidStartAndLastHeartbeatButNotExpiredOnes() throws SQLException {
    Instant before = Instant.now().minusSeconds(1);
    store.heartbeat("replica-b", "host-b", 202, 60_000, null);
    store.heartbeat("replica-a", "host-a", 101, 60_000, null);
    store.heartbeat("gone", "host-c", 303, 0, null);
    store.heartbeat("replica-a", "host-a", 101, 60_000, null);

    assertThat(LiveReplicas.read(database))
        .extracting(LiveReplicas.Replica::replicaId)
        .containsExactly("replica-a", "replica-b");
    LiveReplicas.Replica a = LiveReplicas.read(database).get(0);
    assertThat(a.host()).isEqualTo("host-a");
    assertThat(a.pid()).isEqualTo(101L);
    assertThat(a.startedAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
    assertThat(a.lastHeartbeat()).isAfterOrEqualTo(a.startedAt());
    assertThat(Duration.between(a.lastHeartbeat(), a.expiresAt())).isEqualTo(Duration.ofMinutes(1));
  }
}
