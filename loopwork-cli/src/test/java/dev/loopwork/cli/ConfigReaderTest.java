package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.loopwork.cli.HostConfig.Coordination;
import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    assertThat(purge.interval()).isEqualTo(Duration.ofMinutes(5));
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

    assertThat(config.services().get(0).interval()).isEqualTo(Duration.parse(iso));
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
            "services.no-interval.interval: is required (e.g. interval: 30s)",
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
    assertThat(config.services().get(1).interval()).isEqualTo(Duration.ofMinutes(1));
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
        "interval: ~ | services.a.interval: is required (e.g. interval: 30s)",
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
    String plan = Plan.of(parse(FULL, SECRETS));

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
                Map.of()));

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
    assertThat(Plan.of(parse("replica: a\n", Map.of()))).contains("Tracing:  off");
  }

  @Test
  void secretsDoNotShowInToString() {
    HostConfig config = parse(FULL, SECRETS);

    assertThat(config.toString()).doesNotContain("pw-123").doesNotContain("tok-456");
  }
}
