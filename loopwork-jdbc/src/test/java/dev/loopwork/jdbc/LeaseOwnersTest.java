package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
}
