package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.loopwork.LoopOptions;
import dev.loopwork.cli.HostConfig.Coordination;
import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.cron.CronSchedule;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigReaderTest {
  private static final String FULL =
      String.join(
          "\n",
          "database:",
          "  url: jdbc:postgresql://127.0.0.1:5432/app",
          "  user: app",
          "  password: ${env:APP_DB_PASSWORD}",
          "replica: api-1",
          "admin:",
          "  port: 8432",
          "  token: ${env:LOOPWORK_ADMIN_TOKEN}",
          "services:",
          "  expire-sessions:",
          "    interval: 30s",
          "    sql: DELETE FROM sessions WHERE expires_at < now()",
          "  purge-events:",
          "    interval: 5m",
          "    timeout: 60s",
          "    sql: DELETE FROM events WHERE id IN (SELECT id FROM events LIMIT 1000)",
          "    repeat-while-rows: 1000",
          "  heartbeat:",
          "    interval: 10s",
          "    coordination: every-replica",
          "    class: com.example.Heartbeat",
          "    settings:",
          "      message: hello ${env:WHO}",
          "      count: 3",
          "");

  private static final Map<String, String> SECRETS =
      Map.of("APP_DB_PASSWORD", "pw-123", "LOOPWORK_ADMIN_TOKEN", "tok-456", "WHO", "world");

  /**
   * Parses {@code yaml}, on the embedded database unless it names one (a file must say which it
   * uses).
   */
  private static HostConfig parse(String yaml, Map<String, String> env) {
    String withDatabase =
        yaml.startsWith("database") || yaml.contains("\ndatabase")
            ? yaml
            : "database: embedded\n" + yaml;
    return new ConfigReader(env).parse("test.yaml", withDatabase);
  }

  private static List<String> problems(String yaml, Map<String, String> env) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml, env));
    assertThat(e).as("a ConfigException for:\n%s", yaml).isNotNull();
    return e.problems();
  }

  @Test
  void readsTheIssuesExampleWithSecretsFromTheEnvironment() {
    HostConfig config = parse(FULL, SECRETS);

    assertThat(config.database().url()).contains("jdbc:postgresql://127.0.0.1:5432/app");
    assertThat(config.database().password().orElseThrow().value()).isEqualTo("pw-123");
    assertThat(config.database().password().orElseThrow().origin())
        .isEqualTo("environment variable APP_DB_PASSWORD");
    assertThat(config.replica()).contains("api-1");
    assertThat(config.admin().port()).isEqualTo(8432);
    assertThat(config.admin().bind()).isEqualTo("127.0.0.1");
    assertThat(config.admin().token().orElseThrow().value()).isEqualTo("tok-456");
    assertThat(config.services())
        .extracting(ServiceSpec::name)
        .containsExactly("expire-sessions", "purge-events", "heartbeat");
    ServiceSpec purge = config.services().get(1);
    assertThat(purge.kind()).isEqualTo(Kind.SQL);
    assertThat(purge.schedule()).isEqualTo(new ScheduleSpec.Interval(Duration.ofMinutes(5)));
    assertThat(purge.timeout()).contains(Duration.ofSeconds(60));
    assertThat(purge.statementTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(purge.repeatWhileRows()).contains(1000);
    assertThat(purge.coordination()).isEqualTo(Coordination.EXCLUSIVE);
    ServiceSpec heartbeat = config.services().get(2);
    assertThat(heartbeat.kind()).isEqualTo(Kind.CLASS);
    assertThat(heartbeat.coordination()).isEqualTo(Coordination.EVERY_REPLICA);
    assertThat(heartbeat.className()).contains("com.example.Heartbeat");
    assertThat(heartbeat.settings())
        .containsEntry("message", "hello world")
        .containsEntry("count", 3);
  }

  @ParameterizedTest
  @CsvSource({
    "500ms, PT0.5S",
    "30s, PT30S",
    "5m, PT5M",
    "1h, PT1H",
    "2d, PT48H",
    "PT30S, PT30S",
    "pt1m, PT1M"
  })
  void readsDurations(String text, String iso) {
    HostConfig config =
        parse("services:\n  x:\n    interval: " + text + "\n    sql: SELECT 1\n", Map.of());

    assertThat(config.services().get(0).schedule())
        .isEqualTo(new ScheduleSpec.Interval(Duration.parse(iso)));
  }

  @Test
  void reportsEveryProblemAtOnceWithItsPath() {
    String yaml =
        String.join(
            "\n",
            "database:",
            "  url: jdbc:h2:mem:x",
            "  pasword: secret",
            "admin:",
            "  port: 99999",
            "colour: blue",
            "services:",
            "  expire-sessions:",
            "    interval: 5x",
            "    sql: DELETE FROM sessions",
            "    coordination: sometimes",
            "  no-kind:",
            "    interval: 30s",
            "  both-kinds:",
            "    interval: 30s",
            "    sql: SELECT 1",
            "    class: com.example.X",
            "  no-interval:",
            "    sql: SELECT 1",
            "    repeat-while-rows: -5",
            "  Bad_Name:",
            "    interval: 1s",
            "    sql: SELECT 1",
            "");

    assertThat(problems(yaml, Map.of()))
        .containsExactlyInAnyOrder(
            "database.pasword: unknown key (expected one of password, url, user)",
            "admin.port: 99999 is not a whole number from 0 to 65535",
            "colour: unknown key (expected one of admin, database, plugins, replica, services, tracing)",
            "services.expire-sessions.interval: \"5x\" is not a duration (write it like 500ms, 30s, 5m, 1h or "
                + "ISO-8601 PT30S)",
            "services.expire-sessions.coordination: \"sometimes\" is not one of exclusive, every-replica",
            "services.no-kind: needs exactly one of \"sql\" (statements) or \"class\" (a LoopService subclass)",
            "services.both-kinds: needs exactly one of \"sql\" (statements) or \"class\" (a LoopService subclass)",
            "services.no-interval.interval: is required (e.g. interval: 30s), or a cron expression instead (e.g. cron: \"0 3 * * *\")",
            "services.no-interval.repeat-while-rows: -5 is not a whole number from 1 to 2147483647",
            "services.Bad_Name: is not a valid service name (lower-case letters, digits, '-' and '_', at most 100)");
  }

  @Test
  void namesAMissingEnvironmentVariableButNeverASecretsValue() {
    List<String> problems = problems(FULL, Map.of("APP_DB_PASSWORD", "pw-123", "WHO", "x"));

    assertThat(problems)
        .containsExactly("admin.token: environment variable LOOPWORK_ADMIN_TOKEN is not set");
  }

  /**
   * Issue 14: a class service's settings named like a secret are masked wherever the host shows
   * text, at any depth below that name; other settings, also from the environment, are not.
   */
  @Test
  void classServiceSettingsNamedLikeASecretAreMasked() {
    HostConfig config =
        new ConfigReader(Map.of("KEY", "key-from-env", "WHO", "operator"))
            .parse(
                "test.yaml",
                "database: embedded\nservices:\n  call:\n    interval: 1s\n    class: a.B\n"
                    + "    settings:\n      api-key: ${env:KEY}\n      greeting: hello ${env:WHO}\n"
                    + "      Client-Credentials:\n        id: some-id\n        pins: [1234, 5678]\n");

    assertThat(config.secretMask().apply("key-from-env some-id 1234 5678 hello operator"))
        .isEqualTo("*** *** *** *** hello operator");
  }

  @Test
  void readsTheTracingEndpointAndRejectsOneThatIsNotAnHttpUrl() {
    String base = "tracing:\n  otlp:\n    endpoint: ";
    assertThat(parse(base + "http://collector:4318/v1/traces\n", Map.of()).tracingEndpoint())
        .contains(URI.create("http://collector:4318/v1/traces"));
    assertThat(parse("replica: a\n", Map.of()).tracingEndpoint()).isEmpty();
    assertThat(problems(base + "ftp://collector/traces\n", Map.of()))
        .singleElement()
        .asString()
        .contains("tracing.otlp.endpoint")
        .contains("is not an http or https URL");
    assertThat(problems(base + "http://c:4318\n    headers: x\n", Map.of()))
        .singleElement()
        .asString()
        .contains("tracing.otlp.headers");
  }

  @Test
  void rejectsServiceKeysOfTheOtherKind() {
    String yaml =
        "services:\n  a:\n    interval: 1s\n    class: com.example.A\n    repeat-while-rows: 10\n"
            + "  b:\n    interval: 1s\n    sql: SELECT 1\n    settings: {x: 1}\n";

    assertThat(problems(yaml, Map.of()))
        .containsExactlyInAnyOrder(
            "services.a.repeat-while-rows: applies to sql services only",
            "services.b.settings: applies to class services only");
  }

  @Test
  void reportsInvalidYamlWithItsLine() {
    List<String> problems =
        problems("services:\n  a:\n    interval: 1s\n  sql: [unclosed\n", Map.of());

    assertThat(problems).singleElement().asString().startsWith("line ").contains("not valid YAML");
  }

  @Test
  void rejectsDuplicateKeys() {
    List<String> problems = problems("replica: a\nreplica: b\n", Map.of());

    assertThat(problems).singleElement().asString().contains("Duplicate field 'replica'");
  }

  @Test
  void environmentOverridesEnabledAndInterval() {
    HostConfig config =
        parse(
            FULL,
            Map.of(
                "APP_DB_PASSWORD",
                "p",
                "LOOPWORK_ADMIN_TOKEN",
                "t",
                "WHO",
                "w",
                "LOOPWORK_SERVICES_EXPIRE_SESSIONS_ENABLED",
                "false",
                "LOOPWORK_SERVICES_PURGE_EVENTS_INTERVAL",
                "PT1M"));

    assertThat(config.services().get(0).enabled()).isFalse();
    assertThat(config.services().get(1).schedule())
        .isEqualTo(new ScheduleSpec.Interval(Duration.ofMinutes(1)));
    assertThat(config.enabledServices())
        .extracting(ServiceSpec::name)
        .containsExactly("purge-events", "heartbeat");
  }

  @Test
  void badOrStrayEnvironmentOverridesAreProblemsNamingTheVariable() {
    List<String> problems =
        problems(
            "services:\n  expire-sessions:\n    interval: 30s\n    sql: SELECT 1\n",
            Map.of(
                "LOOPWORK_SERVICES_EXPIRE_SESSIONS_INTERVAL",
                "soon",
                "LOOPWORK_SERVICES_EXPIRE_SESIONS_ENABLED",
                "true"));

    assertThat(problems)
        .containsExactlyInAnyOrder(
            "LOOPWORK_SERVICES_EXPIRE_SESSIONS_INTERVAL (overrides services.expire-sessions.interval): \"soon\" is not "
                + "a duration (write it like 500ms, 30s, 5m, 1h or ISO-8601 PT30S)",
            "LOOPWORK_SERVICES_EXPIRE_SESIONS_ENABLED: no service in the configuration has this name (services: "
                + "[expire-sessions])");
  }

  /**
   * Issue 14: what {@code run} could not hold is refused at {@code check} time, naming the key or
   * the variable.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "interval: 200000d | services.a.interval: \"200000d\" must be at most 3650d",
        "interval: 1s\\n    timeout: 200000d | services.a.timeout: \"200000d\" must be at most 3650d",
        "interval: 1s\\n    statement-timeout: 30000d | services.a.statement-timeout: \"30000d\" must be at most 24d "
            + "(JDBC holds a statement timeout in milliseconds)",
        "interval: PT0.000000001S | services.a.interval: \"PT0.000000001S\" must be at least 1ms (shorter is refused "
            + "like zero)",
        "interval: 0s | services.a.interval: \"0s\" must be at least 1ms (shorter is refused like zero)",
        "interval: ~ | services.a.interval: is required (e.g. interval: 30s), or a cron expression instead "
            + "(e.g. cron: \"0 3 * * *\")",
      })
  void refusesWhatRunCouldNotHold(String service, String problem) {
    assertThat(
            problems(
                "services:\n  a:\n    " + service.replace("\\n", "\n") + "\n    sql: SELECT 1\n",
                Map.of()))
        .containsExactly(problem);
  }

  @Test
  void aTooLongServiceTimeoutIsCappedAsTheStatementTimeout() {
    HostConfig config =
        parse("services:\n  a:\n    interval: 1s\n    timeout: 30d\n    sql: SELECT 1\n", Map.of());

    assertThat(config.services().get(0).timeout()).contains(Duration.ofDays(30));
    assertThat(config.services().get(0).statementTimeout()).isEqualTo(Duration.ofDays(24));
  }

  @Test
  void aBadOverrideIsBlamedOnItsVariable() {
    List<String> problems =
        problems(
            "services:\n  stamp:\n    interval: 1s\n    sql: SELECT 1\n",
            Map.of("LOOPWORK_SERVICES_STAMP_INTERVAL", "0ms"));

    assertThat(problems)
        .containsExactly(
            "LOOPWORK_SERVICES_STAMP_INTERVAL (overrides services.stamp.interval): "
                + "\"0ms\" must be at least 1ms (shorter is refused like zero)");
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {"''", "database: ~", "database:", "admin:\\n  port: 8000"})
  void aFileThatNamesNoDatabaseIsRefused(String yaml) {
    List<String> problems =
        catchThrowableOfType(
                ConfigException.class,
                () -> new ConfigReader(Map.of()).parse("test.yaml", yaml.replace("\\n", "\n")))
            .problems();

    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("database: is required")
        .contains("database: embedded");
  }

  @Test
  void theEmbeddedDatabaseIsThereWhenAskedFor() {
    HostConfig config = new ConfigReader(Map.of()).parse("test.yaml", "database: embedded\n");

    assertThat(config.database().url()).isEmpty();
    assertThat(config.database().jdbcUrl()).startsWith("jdbc:h2:file:");
  }

  @Test
  void aDatabaseMappingNeedsAUrl() {
    assertThat(problems("database:\n  user: app\n", Map.of()))
        .containsExactly(
            "database.url: is required (or write \"database: embedded\" for the embedded H2 database)");
  }

  /** Issue 14: reads need the token by default only where other machines can reach the endpoint. */
  @Test
  void readsNeedTheTokenByDefaultBeyondThisMachine() {
    assertThat(parse("admin:\n  bind: 127.0.0.1\n", Map.of()).admin().readTokenRequired())
        .isFalse();
    assertThat(parse("admin:\n  bind: 0.0.0.0\n", Map.of()).admin().readTokenRequired()).isTrue();
    assertThat(
            parse("admin:\n  bind: 0.0.0.0\n  read-token-required: false\n", Map.of())
                .admin()
                .readTokenRequired())
        .isFalse();
    assertThat(parse("admin:\n  read-token-required: true\n", Map.of()).admin().readTokenRequired())
        .isTrue();
  }

  @Test
  void anAdminBindThatIsNoAddressIsRefused() {
    assertThat(problems("admin:\n  bind: not-an-ip..\n", Map.of()))
        .containsExactly(
            "admin.bind: \"not-an-ip..\" is not an IP address or a host name that resolves here");
  }

  @Test
  void aDirectoryOrAFileThatIsNotUtf8GetsAnErrorInWords(@TempDir Path dir) throws IOException {
    ConfigReader reader = new ConfigReader(Map.of());
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "replica: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    assertThat(catchThrowableOfType(ConfigException.class, () -> reader.read(dir)).problems())
        .containsExactly("is a directory, not a configuration file");
    assertThat(catchThrowableOfType(ConfigException.class, () -> reader.read(latin1)).problems())
        .containsExactly(
            "is not UTF-8 text: byte 12 (counting from 0) starts an invalid sequence; save the file as "
                + "UTF-8");
  }

  @Test
  void noFileMeansTheEmbeddedDatabaseAndNoServices() {
    HostConfig config = new ConfigReader(Map.of()).read(null);

    assertThat(config.database().url()).isEmpty();
    assertThat(config.database().jdbcUrl())
        .startsWith("jdbc:h2:file:")
        .endsWith(";AUTO_SERVER=TRUE");
    assertThat(config.services()).isEmpty();
    assertThat(config.admin().port()).isEqualTo(HostConfig.DEFAULT_ADMIN_PORT);
  }

  @Test
  void thePlanShowsWhereSecretsComeFromButNeverTheirValues() {
    String plan = Plan.of(parse(FULL, SECRETS), Instant.now());

    assertThat(plan)
        .doesNotContain("pw-123")
        .doesNotContain("tok-456")
        .contains("password (secret from environment variable APP_DB_PASSWORD)")
        .contains("token (secret from environment variable LOOPWORK_ADMIN_TOKEN)")
        .contains("purge-events")
        .contains("every 5m")
        .contains("repeated while 1000 rows")
        .contains("every-replica")
        .contains("class com.example.Heartbeat")
        .contains(Host.PRUNER);
  }

  @Test
  void thePlanShowsTheTracingEndpointWithoutItsCredentials() {
    String plan =
        Plan.of(
            parse(
                "tracing:\n  otlp:\n    endpoint: https://user:pw-789@collector:4318/v1/traces?key=k-1\n",
                Map.of()),
            Instant.now());

    assertThat(plan)
        .contains("Tracing:  a span of every iteration to https://collector:4318/v1/traces")
        .doesNotContain("pw-789")
        .doesNotContain("k-1");
    assertThat(
            parse(
                    "tracing:\n  otlp:\n    endpoint: https://user:pw-789@collector/v1/traces?key=k-1\n",
                    Map.of())
                .secretMask()
                .apply("POST https://user:pw-789@collector/v1/traces?key=k-1 failed"))
        .doesNotContain("pw-789")
        .doesNotContain("k-1");
    assertThat(Plan.of(parse("replica: a\n", Map.of()), Instant.now())).contains("Tracing:  off");
  }

  @Test
  void secretsDoNotShowInToString() {
    HostConfig config = parse(FULL, SECRETS);

    assertThat(config.toString()).doesNotContain("pw-123").doesNotContain("tok-456");
  }

  // Issue 16: calendar schedules.

  private static ScheduleSpec.Cron cronOf(HostConfig config) {
    return (ScheduleSpec.Cron) config.services().get(0).schedule();
  }

  @Test
  void aCronServiceRunsAtItsExpressionsFiresInItsZone() {
    HostConfig config =
        parse(
            "services:\n  nightly:\n    cron: \"0 3 * * *\"\n    zone: Europe/Berlin\n"
                + "    misfire-grace: 2h\n    sql: SELECT 1\n",
            Map.of());

    ScheduleSpec.Cron cron = cronOf(config);
    assertThat(cron.schedule())
        .isEqualTo(CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin")));
    assertThat(cron.zoneGiven()).isTrue();
    assertThat(cron.misfireGrace()).contains(Duration.ofHours(2));
    LoopOptions options = ServiceFactory.options(config.services().get(0));
    assertThat(options.schedule()).contains(cron.schedule());
    assertThat(options.misfireGrace()).contains(Duration.ofHours(2));
    assertThat(options.loopInterval()).isEmpty();
    assertThat(cron.text()).isEqualTo("cron 0 3 * * * (Europe/Berlin)");
  }

  @Test
  void withoutAZoneTheJvmsDefaultZoneReadsTheExpression() {
    HostConfig config =
        parse(
            "services:\n  beat:\n    cron: \"*/2 * * * * *\"\n    misfire-grace: 0s\n"
                + "    class: com.example.Beat\n  daily:\n    cron: '@daily'\n    sql: SELECT 1\n",
            Map.of());

    ScheduleSpec.Cron beat = cronOf(config);
    assertThat(beat.schedule().zone()).isEqualTo(ZoneId.systemDefault());
    assertThat(beat.zoneGiven()).isFalse();
    assertThat(beat.misfireGrace()).contains(Duration.ZERO);
    assertThat(beat.period()).isEqualTo(Duration.ofSeconds(2));
    ScheduleSpec.Cron daily = (ScheduleSpec.Cron) config.services().get(1).schedule();
    assertThat(daily.misfireGrace()).isEmpty();
    assertThat(ServiceFactory.options(config.services().get(1)).misfireGrace()).isEmpty();
    assertThat(daily.period()).isEqualTo(Duration.ofDays(1));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "interval: 1s\\n    cron: \"0 3 * * *\" | services.a.interval and services.a.cron are both set: give exactly"
            + " one of them (interval: from one start to the next; cron: at calendar times)",
        "timeout: 1s | services.a.interval: is required (e.g. interval: 30s), or a cron expression instead (e.g. "
            + "cron: \"0 3 * * *\")",
        "interval: 1s\\n    zone: Europe/Berlin | services.a.zone: applies to a cron expression (cron: \"0 3 * * *\"),"
            + " not to an interval",
        "interval: 1s\\n    misfire-grace: 1h | services.a.misfire-grace: applies to a cron expression (cron: "
            + "\"0 3 * * *\"), not to an interval",
        "cron: \"0 3 * * *\"\\n    misfire-grace: PT-1S | services.a.misfire-grace: \"PT-1S\" must not be negative",
        "cron: \"0 3 * * *\"\\n    zone: Mars/Base | services.a.zone: \"Mars/Base\" is not a time zone id (write an "
            + "IANA id such as Europe/Berlin): Unknown time-zone ID: Mars/Base",
        "cron: \"0 0 32 * *\" | services.a.cron: \"0 0 32 * *\" is not a valid cron expression: day-of-month "
            + "field",
        "cron: \"0 3 * *\" | services.a.cron: \"0 3 * *\" is not a valid cron expression: expected 5 fields",
        "cron: \"0 0 30 2 *\" | services.a.cron: \"0 0 30 2 *\" is not a valid cron expression:",
        "cron: \"@sometimes\" | services.a.cron: \"@sometimes\" is not a valid cron expression: unknown macro",
        "cron: [0, 3] | services.a.cron: must be a single value, not a list",
      })
  void aScheduleThatIsNotExactlyOneOfIntervalAndCronOrUnreadableIsRefused(
      String service, String problem) {
    assertThat(
            problems(
                "services:\n  a:\n    " + service.replace("\\n", "\n") + "\n    sql: SELECT 1\n",
                Map.of()))
        .singleElement()
        .asString()
        .startsWith(problem);
  }

  @Test
  void aTooLongCronExpressionIsRefused() {
    String minutes = "0" + ",0".repeat(HostSchema.CRON_LENGTH / 2);

    assertThat(
            problems(
                "services:\n  a:\n    cron: '" + minutes + " * * * *'\n    sql: x\n", Map.of()))
        .containsExactly(
            "services.a.cron: is longer than " + HostSchema.CRON_LENGTH + " characters");
  }

  @Test
  void theEnvironmentOverridesTheCronExpressionZoneAndMisfireGrace() {
    String yaml =
        "services:\n  nightly-stats:\n    cron: '0 3 * * *'\n    zone: Europe/Berlin\n    sql: x\n"
            + "  ticker:\n    interval: 1s\n    sql: x\n";

    HostConfig config =
        parse(
            yaml,
            Map.of(
                "LOOPWORK_SERVICES_NIGHTLY_STATS_ZONE", "America/Sao_Paulo",
                "LOOPWORK_SERVICES_NIGHTLY_STATS_MISFIRE_GRACE", "0s",
                "LOOPWORK_SERVICES_TICKER_CRON", "*/5 * * * * *"));

    ScheduleSpec.Cron nightly = cronOf(config);
    assertThat(nightly.schedule())
        .isEqualTo(CronSchedule.parse("0 3 * * *", ZoneId.of("America/Sao_Paulo")));
    assertThat(nightly.misfireGrace()).contains(Duration.ZERO);
    assertThat(config.services().get(1).schedule())
        .as("a cron expression from the environment replaces the file's interval")
        .isEqualTo(
            new ScheduleSpec.Cron(
                CronSchedule.parse("*/5 * * * * *", ZoneId.systemDefault()),
                false,
                Optional.empty()));
    assertThat(
            parse(yaml, Map.of("LOOPWORK_SERVICES_NIGHTLY_STATS_INTERVAL", "1h"))
                .services()
                .get(0)
                .schedule())
        .as("an interval from the environment replaces the file's cron expression and zone")
        .isEqualTo(new ScheduleSpec.Interval(Duration.ofHours(1)));
  }

  @Test
  void badOrConflictingScheduleOverridesAreBlamedOnTheirVariables() {
    String yaml = "services:\n  a:\n    interval: 1s\n    sql: x\n";

    assertThat(
            problems(
                yaml,
                Map.of(
                    "LOOPWORK_SERVICES_A_CRON",
                    "0 0 32 * *",
                    "LOOPWORK_SERVICES_A_ZONE",
                    "Nowhere")))
        .containsExactlyInAnyOrder(
            "LOOPWORK_SERVICES_A_ZONE (overrides services.a.zone): \"Nowhere\" is not a time zone id "
                + "(write an IANA id such as Europe/Berlin): Unknown time-zone ID: Nowhere",
            "LOOPWORK_SERVICES_A_CRON (overrides services.a.cron): \"0 0 32 * *\" is not a valid cron "
                + "expression: day-of-month field '32': value 32 is out of range 1-31 in '0 0 32 * *'");
    assertThat(
            problems(
                yaml,
                Map.of("LOOPWORK_SERVICES_A_CRON", "@daily", "LOOPWORK_SERVICES_A_INTERVAL", "1m")))
        .containsExactly(
            "LOOPWORK_SERVICES_A_INTERVAL (overrides services.a.interval) and LOOPWORK_SERVICES_A_CRON "
                + "(overrides services.a.cron) are both set: give exactly one of them (interval: from one "
                + "start to the next; cron: at calendar times)");
    assertThat(problems(yaml, Map.of("LOOPWORK_SERVICES_A_ZONE", "UTC")))
        .containsExactly(
            "LOOPWORK_SERVICES_A_ZONE (overrides services.a.zone): applies to a cron expression (cron: "
                + "\"0 3 * * *\"), not to an interval");
    assertThat(problems(yaml, Map.of("LOOPWORK_SERVICES_B_CRON", "@daily")))
        .containsExactly(
            "LOOPWORK_SERVICES_B_CRON: no service in the configuration has this name (services: [a])");
  }

  @Test
  void aCronExpressionOrZoneFromAnUnsetVariableIsOneProblemEach() {
    List<String> problems =
        problems(
            "services:\n  a:\n    cron: \"${env:NIGHTLY_CRON}\"\n    zone: ${env:TZ_ID}\n    sql: x\n",
            Map.of());

    assertThat(problems)
        .filteredOn(p -> p.contains("environment variable"))
        .containsExactlyInAnyOrder(
            "services.a.zone: environment variable TZ_ID is not set",
            "services.a.cron: environment variable NIGHTLY_CRON is not set");
    assertThat(problems)
        .filteredOn(p -> !p.contains("environment variable"))
        .as("what the empty texts are, once each")
        .satisfiesExactlyInAnyOrder(
            p -> assertThat(p).startsWith("services.a.zone: \"\" is not a time zone id"),
            p -> assertThat(p).startsWith("services.a.cron: \"\" is not a valid cron expression"));
  }

  /** Issue 16: {@code check} shows the next three fires in the service's zone and in UTC. */
  @Test
  void thePlanShowsACronServicesNextThreeFiresInItsZoneAndInUtc() {
    HostConfig config =
        parse(
            "services:\n  nightly:\n    cron: '30 2 * * *'\n    zone: Europe/Berlin\n    sql: x\n"
                + "  beat:\n    cron: '*/2 * * * * *'\n    misfire-grace: 0s\n    sql: x\n",
            Map.of());

    String plan = Plan.of(config, Instant.parse("2026-03-28T12:00:00Z"));

    assertThat(plan)
        .contains("nightly                  enabled  cron 30 2 * * * (Europe/Berlin) exclusive")
        .contains(
            "      zone Europe/Berlin, misfire grace 1d (one period of the expression)\n"
                + "      next fire 2026-03-29 03:00:00 +02:00 Europe/Berlin = 2026-03-29 01:00:00 UTC\n"
                + "      next fire 2026-03-30 02:30:00 +02:00 Europe/Berlin = 2026-03-30 00:30:00 UTC\n"
                + "      next fire 2026-03-31 02:30:00 +02:00 Europe/Berlin = 2026-03-31 00:30:00 UTC\n")
        .contains(
            "      zone "
                + ZoneId.systemDefault().getId()
                + " (not set: the JVM's default zone), misfire grace 0s (missed fires are skipped)\n")
        .containsPattern(
            "      next fire 2026-03-28 \\d\\d:\\d\\d:02 [+-]\\d\\d:\\d\\d .* = 2026-03-28 12:00:02 UTC\n"
                + "      next fire .* = 2026-03-28 12:00:04 UTC\n"
                + "      next fire .* = 2026-03-28 12:00:06 UTC\n")
        .contains(Host.PRUNER + "  built-in every 1h");
  }
}
