package dev.loopwork.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.loopwork.LoopEngine;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The meters as a Prometheus server scrapes them: names, label sets and values in the text format.
 */
class PrometheusScrapeTest {
  private final ManualClock clock = new ManualClock();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void scrapeTextHoldsEveryMeter() {
    LoopMetrics metrics =
        LoopMetrics.builder()
            .clock(clock)
            .leasesHeld(name -> name.equals("purge-events") ? 1 : 0)
            .build();
    metrics.bindTo(registry);
    ScriptedService service = new ScriptedService("purge-events", clock);
    service.succeedAfter(Duration.ofSeconds(2)).fail().timeOutAfter(Duration.ofSeconds(6)).fail();
    LoopTesting.engine(clock, metrics).start(service);
    clock.advance(
        ScriptedService.INTERVAL
            .multipliedBy(3)
            .plusSeconds(4)); // to 36 s: three more iterations, the last at 30 s

    String scrape = registry.scrape();

    assertThat(scrape)
        .contains(
            "loopwork_iterations_total{internal=\"false\",outcome=\"succeeded\",service=\"purge-events\"} 1.0",
            "loopwork_iterations_total{internal=\"false\",outcome=\"failed\",service=\"purge-events\"} 2.0",
            "loopwork_iterations_total{internal=\"false\",outcome=\"timed_out\",service=\"purge-events\"} 1.0",
            "loopwork_iteration_duration_seconds_count{internal=\"false\",outcome=\"succeeded\",service=\"purge-events\"} 1",
            "loopwork_iteration_duration_seconds_sum{internal=\"false\",outcome=\"succeeded\",service=\"purge-events\"} 2.0",
            "loopwork_iteration_duration_seconds_sum{internal=\"false\",outcome=\"timed_out\",service=\"purge-events\"} 6.0",
            "loopwork_iteration_duration_seconds_max{internal=\"false\",outcome=\"timed_out\",service=\"purge-events\"} 6.0",
            "loopwork_iteration_overruns_total{internal=\"false\",service=\"purge-events\"} 0.0",
            "loopwork_consecutive_failures{internal=\"false\",service=\"purge-events\"} 3.0",
            "loopwork_time_since_last_success_seconds{internal=\"false\",service=\"purge-events\"} 34.0",
            "loopwork_service_state{internal=\"false\",service=\"purge-events\",state=\"running\"} 1.0",
            "loopwork_service_state{internal=\"false\",service=\"purge-events\",state=\"stopped\"} 0.0",
            "loopwork_leases_held{internal=\"false\",service=\"purge-events\"} 1.0",
            "loopwork_iterations_total{internal=\"false\",outcome=\"skipped\",service=\"purge-events\"} 0.0",
            "# HELP loopwork_iterations_total Iterations of a loop service that ended, or were skipped on purpose, by outcome");
    for (String quantile : new String[] {"0.5", "0.95", "0.99"}) {
      Matcher m =
          Pattern.compile(
                  "loopwork_iteration_duration_seconds\\{internal=\"false\",outcome=\"succeeded\","
                      + "service=\"purge-events\","
                      + "quantile=\""
                      + quantile
                      + "\"} ([0-9.]+)\n")
              .matcher(scrape);
      assertThat(m.find()).as("quantile %s in the scrape", quantile).isTrue();
      assertThat(Double.parseDouble(m.group(1)))
          .as("quantile %s (approximated in buckets)", quantile)
          .isCloseTo(2.0, withinPercentage(5));
    }
    assertThat(scrape).doesNotContain("_bucket");
  }

  /**
   * Issue 17: Loopwork's own services (the journal pruner) are labelled internal, with the same tag
   * keys as the application's, so that an alert can leave them out.
   */
  @Test
  void loopworksOwnServicesAreLabelledInternal() {
    LoopMetrics metrics = LoopMetrics.builder().clock(clock).build();
    metrics.bindTo(registry);
    LoopEngine engine = LoopTesting.engine(clock, metrics);
    engine.start(new ScriptedService("loopwork-journal-pruner", clock));
    engine.start(new ScriptedService("purge-events", clock));

    assertThat(registry.scrape())
        .contains(
            "loopwork_consecutive_failures{internal=\"true\",service=\"loopwork-journal-pruner\"}",
            "loopwork_consecutive_failures{internal=\"false\",service=\"purge-events\"}");
  }

  @Test
  void scrapeTextHoldsTheDurationHistogramUpToAnHour() {
    LoopMetrics metrics = LoopMetrics.builder().clock(clock).percentileHistogram(true).build();
    metrics.bindTo(registry);
    ScriptedService service = new ScriptedService("refresh-view", clock, null);
    service.succeedAfter(
        Duration.ofMinutes(20)); // an overrun: a second iteration of 0 s follows at once

    LoopTesting.engine(clock, metrics).start(service);

    Map<Double, Long> buckets = bucketsOf(registry.scrape(), "succeeded", "refresh-view");
    double top = LoopMetrics.HISTOGRAM_MAXIMUM.toSeconds();
    assertThat(buckets.keySet())
        .contains(top)
        .allSatisfy(le -> assertThat(le).isLessThanOrEqualTo(top));
    assertThat(buckets.get(top)).isEqualTo(2);
    assertThat(buckets)
        .as("buckets between 30 s and 20 min hold the short iteration only")
        .anySatisfy(
            (le, count) -> {
              assertThat(le).isBetween(30.0, 1200.0);
              assertThat(count).isEqualTo(1);
            });
  }

  /** The finite histogram buckets of one timer in a scrape, by upper bound in seconds. */
  private static Map<Double, Long> bucketsOf(String scrape, String outcome, String service) {
    Pattern line =
        Pattern.compile(
            "loopwork_iteration_duration_seconds_bucket\\{internal=\"false\",outcome=\""
                + outcome
                + "\",service=\""
                + service
                + "\",le=\"([0-9.]+)\"} (\\d+)");
    Map<Double, Long> buckets = new TreeMap<>();
    Matcher m = line.matcher(scrape);
    while (m.find()) {
      buckets.put(Double.parseDouble(m.group(1)), Long.parseLong(m.group(2)));
    }
    return buckets;
  }
}
