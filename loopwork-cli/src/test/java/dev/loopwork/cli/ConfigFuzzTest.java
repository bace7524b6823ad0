package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopOptions;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: random configurations and environment overrides, fed to the reader that both {@code
 * check} and {@code run} use. Each one is either refused with problems in words, or accepted with
 * values that {@code run} can use as they are: the service options build, the schedule's nanosecond
 * arithmetic holds, a statement timeout fits JDBC's int of milliseconds. Never another exception.
 */
class ConfigFuzzTest {
  private static final List<String> DURATIONS =
      List.of(
          "1s",
          "0s",
          "0ms",
          "1ms",
          "500ms",
          "PT0.000000001S",
          "PT0.0005S",
          "200000d",
          "3650d",
          "3651d",
          "24d",
          "25d",
          "30000d",
          "999999999d",
          "-1s",
          "PT-5S",
          "5x",
          "",
          "~",
          "'1h'",
          "[1s]",
          "{a: 1}",
          "1",
          "true",
          "P1D",
          "PT87600H",
          "PT87601H");
  private static final List<String> VALUES =
      List.of(
          "~",
          "''",
          "x",
          "1",
          "-1",
          "true",
          "[]",
          "{}",
          "[a, b]",
          "{x: 1}",
          "99999999999999999999",
          "\"\\u0000\"",
          "${env:NOPE}",
          "${env:SET}");

  /** Cron expressions (issue 16), readable or not. */
  private static final List<String> CRONS =
      List.of(
          "\"0 3 * * *\"",
          "\"*/2 * * * * *\"",
          "'@daily'",
          "\"0 0 30 2 *\"",
          "\"99999999999 * * * *\"",
          "\"* * * * * * *\"",
          "\"${env:SET}\"",
          "x");

  private static final List<String> ZONES =
      List.of("Europe/Berlin", "UTC", "+02:00", "Mars/Base", "''", "[UTC]");
  private static final List<String> KEYS =
      List.of(
          "interval",
          "cron",
          "zone",
          "misfire-grace",
          "timeout",
          "statement-timeout",
          "enabled",
          "coordination",
          "sql",
          "class",
          "repeat-while-rows",
          "settings",
          "colour");

  @Test
  void everyConfigurationIsRefusedInWordsOrUsableAsItIs() {
    Random random = new Random(14);
    int accepted = 0;
    for (int i = 0; i < 5_000; i++) {
      String yaml = randomYaml(random);
      Map<String, String> env = randomEnvironment(random);
      HostConfig config;
      try {
        config = new ConfigReader(env).parse("fuzz.yaml", yaml);
      } catch (ConfigException e) {
        assertThat(e.problems())
            .as("problems for:\n%s", yaml)
            .isNotEmpty()
            .allSatisfy(p -> assertThat(p).doesNotContain("Exception"));
        continue;
      }
      accepted++;
      for (ServiceSpec spec : config.services()) {
        LoopOptions options = ServiceFactory.options(spec);
        if (spec.schedule() instanceof ScheduleSpec.Interval interval) {
          assertThat(options.loopInterval())
              .as(yaml)
              .hasValueSatisfying(d -> assertThat(d).isPositive());
          assertThat(interval.interval()).as(yaml).isLessThanOrEqualTo(Duration.ofDays(3650));
        } else {
          assertThat(options.schedule()).as(yaml).isPresent();
          assertThat(options.schedule().get().nextFireAfter(Instant.EPOCH)).as(yaml).isNotNull();
          options
              .misfireGrace()
              .ifPresent(
                  g -> assertThat(g).as(yaml).isBetween(Duration.ZERO, Duration.ofDays(3650)));
        }
        spec.timeout()
            .ifPresent(
                t -> assertThat(t).as(yaml).isBetween(Duration.ofMillis(1), Duration.ofDays(3650)));
        assertThat(spec.statementTimeout().toMillis())
            .as(yaml)
            .isBetween(1L, (long) Integer.MAX_VALUE);
      }
    }
    assertThat(accepted)
        .as("some configurations pass, or the test proves little")
        .isGreaterThan(100);
  }

  private static String randomYaml(Random random) {
    StringBuilder yaml = new StringBuilder();
    yaml.append(random.nextInt(10) == 0 ? "database: ~\n" : "database: embedded\n");
    yaml.append("admin:\n  bind: ")
        .append(random.nextInt(20) == 0 ? "not-an-ip.." : "127.0.0.1")
        .append('\n');
    yaml.append("services:\n");
    int services = 1 + random.nextInt(3);
    for (int s = 0; s < services; s++) {
      yaml.append("  svc-").append(s).append(":\n");
      if (random.nextInt(4) == 0) {
        yaml.append("    cron: ").append(pick(random, CRONS)).append('\n');
      } else {
        yaml.append("    interval: ").append(pick(random, DURATIONS)).append('\n');
      }
      yaml.append(
          random.nextBoolean() ? "    sql: SELECT 1\n" : "    class: com.example.Service\n");
      for (int k = random.nextInt(3); k > 0; k--) {
        String key = pick(random, KEYS);
        String value =
            switch (key) {
              case "timeout", "statement-timeout", "misfire-grace" -> pick(random, DURATIONS);
              case "cron" -> pick(random, CRONS);
              case "zone" -> pick(random, ZONES);
              default -> pick(random, VALUES);
            };
        yaml.append("    ").append(key).append(": ").append(value).append('\n');
      }
    }
    return yaml.toString();
  }

  private static Map<String, String> randomEnvironment(Random random) {
    Map<String, String> env = new HashMap<>();
    env.put("SET", "value");
    if (random.nextInt(4) == 0) {
      env.put("LOOPWORK_SERVICES_SVC_" + random.nextInt(4) + "_INTERVAL", pick(random, DURATIONS));
    }
    if (random.nextInt(4) == 0) {
      env.put("LOOPWORK_SERVICES_SVC_" + random.nextInt(4) + "_ENABLED", pick(random, VALUES));
    }
    if (random.nextInt(6) == 0) {
      env.put(
          "LOOPWORK_SERVICES_SVC_" + random.nextInt(4) + "_CRON",
          pick(random, CRONS).replace("\"", ""));
    }
    if (random.nextInt(6) == 0) {
      env.put("LOOPWORK_SERVICES_SVC_" + random.nextInt(4) + "_ZONE", pick(random, ZONES));
    }
    return env;
  }

  private static String pick(Random random, List<String> values) {
    return values.get(random.nextInt(values.size()));
  }
}
