package dev.loopwork.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loopwork.IterationOutcome;
import dev.loopwork.jdbc.RunHistory.Run;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link RunHistory}, the journal's reader, on one database; subclassed per
 * database.
 */
abstract class RunHistoryContract extends FreshDatabaseContract {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

  private final Run first =
      new Run(
          "expire",
          "replica-a",
          T0,
          Duration.ofNanos(1_500_000),
          IterationOutcome.SUCCEEDED,
          null,
          7L);
  private final Run second =
      new Run(
          "expire",
          "replica-b",
          T0.plusSeconds(30),
          Duration.ofMillis(40),
          IterationOutcome.FAILED,
          "java.io.IOException: disk full",
          8L);
  private final Run third =
      new Run(
          "expire",
          "replica-a",
          T0.plusSeconds(60),
          Duration.ofMillis(2),
          IterationOutcome.TIMED_OUT,
          null,
          9L);
  private final Run other =
      new Run(
          "rebuild",
          "replica-b",
          T0.plusSeconds(5),
          Duration.ofSeconds(3),
          IterationOutcome.SUCCEEDED,
          null,
          null);

  @BeforeEach
  void journalFourRuns() throws SQLException {
    LoopworkSchema.create(database);
    for (Run run : List.of(third, first, other, second)) {
      journal(run);
    }
  }

  @Test
  void lastIsTheLatestStartOfEachServiceWhereverItRan() {
    Map<String, Run> last = RunHistory.of(database).last(List.of("expire", "rebuild", "never-ran"));

    assertThat(last).containsEntry("expire", third).containsEntry("rebuild", other).hasSize(2);
  }

  /** Issue 17: the fleet-wide last success, for the time-since-last-success gauge. */
  @Test
  void lastSuccessesAreTheEndsOfTheLatestSucceededRunsWhereverTheyRan() {
    Map<String, Instant> ends =
        RunHistory.of(database).lastSuccesses(List.of("expire", "rebuild", "never-ran"));

    assertThat(ends)
        .containsEntry("expire", T0.plusNanos(1_500_000)) // the later runs failed
        .containsEntry("rebuild", T0.plusSeconds(8))
        .hasSize(2);
  }

  @Test
  void recentListsTheLatestRunsOldestFirstWithMicrosecondTimesAndFencingTokens() {
    RunHistory history = RunHistory.of(database);

    assertThat(history.recent("expire", 2)).containsExactly(second, third);
    assertThat(history.recent("expire", 40)).containsExactly(first, second, third);
    assertThat(history.recent("never-ran", 40)).isEmpty();
    assertThatThrownBy(() -> history.recent("expire", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be at least 1: 0");
  }

  private void journal(Run run) throws SQLException {
    try (Connection c = database.connection();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO "
                    + "loopwork_run (service, replica_id, iteration, started_at, duration_us, outcome, error, "
                    + "fencing_token) VALUES (?, ?, 1, ?, ?, ?, ?, ?)")) {
      insert.setString(1, run.service());
      insert.setString(2, run.replicaId());
      insert.setObject(3, database.dialect().timestampParameter(run.startedAt()));
      insert.setLong(4, run.duration().toNanos() / 1_000);
      insert.setString(5, run.outcome().name());
      insert.setString(6, run.error());
      insert.setObject(7, run.fencingToken(), java.sql.Types.BIGINT);
      insert.executeUpdate();
    }
  }
}
