package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The cron scenario's figures, and a short run of each of its peers. */
class CronScenarioTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long S = 1_780_000_000L * SECOND;

  @Test
  void eachStartCountsAgainstItsSecondAndEarlyDoubledAndSkippedSecondsAreCounted() {
    Map<String, Object> figures =
        CronScenario.figures(
            new long[] {
              S + 2 * MS,
              S + SECOND + 3 * MS,
              S + 2 * SECOND - 50 * MS, // early, for second 2
              S + 2 * SECOND + 10 * MS, // second 2 again
              S + 5 * SECOND + 700 * MS, // late for second 5; 3 and 4 skipped
            });

    assertThat(figures)
        .containsEntry("fires", 5)
        .containsEntry("p50Ms", 3.0)
        .containsEntry("p99Ms", 700.0)
        .containsEntry("maxMs", 700.0)
        .containsEntry("minMs", -50.0)
        .containsEntry("earlyFires", 1)
        .containsEntry("secondsRunTwice", 1)
        .containsEntry("secondsSkipped", 2L);
    assertThat((double[]) figures.get("errorsMs")).containsExactly(2, 3, -50, 10, 700);
  }

  @ParameterizedTest
  @FieldSource("dev.loopwork.bench.CronScenario#PEERS")
  void eachPeerFiresOnceASecond(String peer) throws Exception {
    Map<String, Object> result =
        new CronScenario().run(peer, new Params(Map.of("fires", "3", "warmup", "0")));

    assertThat(result).containsEntry("fires", 3).containsEntry("secondsRunTwice", 0);
    for (double error : (double[]) result.get("errorsMs")) {
      assertThat(error).isBetween(-(double) CronScenario.EARLY_TOLERANCE_MS, 900.0);
    }
  }

  @Test
  void anUnknownPeerIsRefused() {
    assertThatThrownBy(() -> new CronScenario().run("quartz", new Params(Map.of())))
        .hasMessage("cron peer must be one of [loopwork, spring]: \"quartz\"");
  }
}
