package dev.loopwork.cli;

import static dev.loopwork.cli.TestDatabases.count;
import static dev.loopwork.cli.TestDatabases.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM during a long {@code repeat-while-rows} delete: the host finishes the batch in progress,
 * starts no other, and exits with 0. Each batch moves rows from {@code events} to {@code archive}
 * in one transaction, so a batch done by halves would show as rows missing from both tables or
 * present in both.
 */
class BatchedDeleteIT {
  private static final int ROWS = 5_000;
  private static final int BATCH = 100;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void sigtermStopsBetweenBatchesWithNothingHalfDone() throws Exception {
    String url = TestDatabases.freshPostgres();
    execute(
        url,
        "CREATE TABLE events (id INT PRIMARY KEY, payload TEXT)",
        "INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, " + ROWS + ") g",
        "CREATE TABLE archive (id INT PRIMARY KEY, payload TEXT)");
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + url
            + "\n  user: postgres\n"
            + "admin:\n  enabled: false\n"
            + "services:\n"
            + "  archive-events:\n    interval: 1s\n    repeat-while-rows: "
            + BATCH
            + "\n    sql:\n"
            + "      - SELECT pg_sleep(0.1)\n"
            + "      - WITH moved AS (DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT "
            + BATCH
            + ") RETURNING id, payload) INSERT INTO archive SELECT id, payload FROM moved\n");

    try (HostProcess host = HostProcess.start(dir, Map.of(), "run", "-c", "loopwork.yaml")) {
      host.awaitRunning();
      await().atMost(WAIT).until(() -> count(url, "SELECT count(*) FROM archive") >= 3 * BATCH);
      host.terminate();

      assertThat(host.awaitExit(WAIT)).as(host.stderr()).isZero();
      assertThat(host.stderr())
          .contains("archive-events: stopping after batch")
          .contains("because the service is " + "stopping");
    }
    long archived = count(url, "SELECT count(*) FROM archive");
    long left = count(url, "SELECT count(*) FROM events");
    assertThat(archived + left).as("every row is in exactly one table").isEqualTo(ROWS);
    assertThat(count(url, "SELECT count(*) FROM archive a JOIN events e ON a.id = e.id")).isZero();
    assertThat(archived % BATCH).as("whole batches only").isZero();
    assertThat(left).as("stopped early, long before the end").isGreaterThan(ROWS / 2);
  }
}
