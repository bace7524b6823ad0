package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopState;
import dev.loopwork.spring.boot.LoopTaskContext;
import dev.loopwork.test.LoopTesting;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The starter's testing recipe (its README, "Testing"): with {@code loopwork.enabled=false} the
 * application context starts no loop service and joins no lease, and the test runs the service bean
 * itself for as many iterations as it wants, on a manual clock, in milliseconds.
 */
@SpringBootTest(
    properties = {
      "loopwork.enabled=false",
      "spring.datasource.url=jdbc:h2:mem:example-recipe;DB_CLOSE_DELAY=-1",
      "spring.datasource.username=sa"
    })
class ExpireSessionsTest {
  @Autowired ExpireSessions expireSessions;
  @Autowired SessionCount sessionCount;
  @Autowired JdbcTemplate jdbc;

  @Test
  void deletesExpiredSessionsAndKeepsTheOthers() {
    assertThat(expireSessions.state()).as("not started by the starter").isEqualTo(LoopState.NEW);
    Instant now = Instant.now();
    for (int i = 0; i < 2_500; i++) {
      jdbc.update(
          "INSERT INTO app_session VALUES (?, ?)",
          "old-" + i,
          Timestamp.from(now.minusSeconds(60)));
    }
    jdbc.update(
        "INSERT INTO app_session VALUES (?, ?)", "live", Timestamp.from(now.plusSeconds(3600)));

    List<IterationResult> runs = LoopTesting.run(expireSessions, 2);

    assertThat(runs).extracting(IterationResult::outcome).containsOnly(IterationOutcome.SUCCEEDED);
    assertThat(expireSessions.deletedSessions()).isEqualTo(2_500);
    assertThat(jdbc.queryForList("SELECT id FROM app_session", String.class))
        .containsExactly("live");
  }

  /** A {@code @LoopTask} method is a plain method: the test calls it. */
  @Test
  void countsTheLiveSessions() {
    Instant now = Instant.now();
    jdbc.update("DELETE FROM app_session");
    jdbc.update(
        "INSERT INTO app_session VALUES (?, ?)", "gone", Timestamp.from(now.minusSeconds(60)));
    jdbc.update(
        "INSERT INTO app_session VALUES (?, ?)", "here", Timestamp.from(now.plusSeconds(3600)));

    sessionCount.count(
        new LoopTaskContext() {
          @Override
          public String serviceName() {
            return "count-sessions";
          }

          @Override
          public long iteration() {
            return 1;
          }

          @Override
          public OptionalLong fencingToken() {
            return OptionalLong.empty();
          }
        });

    assertThat(sessionCount.liveSessions()).isEqualTo(1);
    jdbc.update("DELETE FROM app_session");
  }
}
