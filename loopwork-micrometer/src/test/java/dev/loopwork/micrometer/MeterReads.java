package dev.loopwork.micrometer;

import static dev.loopwork.micrometer.LoopMetrics.SERVICE_STATE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_SERVICE;
import static dev.loopwork.micrometer.LoopMetrics.TAG_STATE;
import static dev.loopwork.micrometer.LoopMetrics.TIME_SINCE_LAST_SUCCESS;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads of one service's gauges, for the tests. */
final class MeterReads {
  private MeterReads() {}

  /** The time since the service's last success, in seconds. */
  static double secondsSinceLastSuccess(MeterRegistry registry, String service) {
    return registry
        .get(TIME_SINCE_LAST_SUCCESS)
        .tag(TAG_SERVICE, service)
        .timeGauge()
        .value(TimeUnit.SECONDS);
  }

  /** The state gauges of the service that read non-zero, by state tag. */
  static Map<String, Double> states(MeterRegistry registry, String service) {
    Map<String, Double> nonZero = new HashMap<>();
    registry
        .get(SERVICE_STATE)
        .tag(TAG_SERVICE, service)
        .gauges()
        .forEach(
            g -> {
              if (g.value() != 0) {
                nonZero.put(g.getId().getTag(TAG_STATE), g.value());
              }
            });
    return nonZero;
  }
}
