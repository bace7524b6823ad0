package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.cli.plugin.RefusedCallService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad configuration makes the real jar exit with 2 and a message that names the path, and
 * starts nothing.
 */
class BadConfigIT {
  @TempDir Path dir;

  static Stream<Arguments> badConfigs() {
    String db = "database:\n  url: jdbc:h2:file:./db/app\n";
    return Stream.of(
        Arguments.of(
            db + "services:\n  expire-sessions:\n    interval: 5x\n    sql: SELECT 1\n",
            Map.of(),
            "services.expire-sessions.interval: \"5x\" is not a duration"),
        Arguments.of(
            db + "services:\n  a:\n    interval: 1s\n    sql: SELECT 1\n    colour: red\n",
            Map.of(),
            "services.a.colour: unknown key"),
        Arguments.of(
            db + "admin:\n  token: ${env:NO_SUCH_TOKEN}\n",
            Map.of(),
            "admin.token: environment variable NO_SUCH_TOKEN is not set"),
        Arguments.of(
            db + "services:\n  a:\n    interval: 1s\n    sql: SELECT 1\n",
            Map.of("LOOPWORK_SERVICES_A_INTERVAL", "often"),
            "LOOPWORK_SERVICES_A_INTERVAL (overrides services.a.interval): \"often\" is not a duration"),
        Arguments.of(
            db + "services:\n  a:\n    interval: 1s\n    class: com.example.Missing\n",
            Map.of(),
            "services.a.class: com.example.Missing is not in the plugins folder nor on the class path"),
        Arguments.of(
            db + "services:\n  a:\n    interval: 1s\n    class: java.lang.String\n",
            Map.of(),
            "services.a.class: java.lang.String is not a concrete subclass of dev.loopwork.LoopService"),
        Arguments.of(
            db + "services:\n  a:\n    interval: 1s\n",
            Map.of(),
            "services.a: needs exactly one of \"sql\""),
        Arguments.of(
            db + "admin:\n  port: [1, 2]\n", Map.of(), "admin.port: [1,2] is not a whole number"),
        Arguments.of("services: [\n", Map.of(), "not valid YAML"),
        // Issue 14: what run could not hold, refused before it starts, naming the key or the
        // variable.
        Arguments.of(
            db + "services:\n  a:\n    interval: 200000d\n    sql: SELECT 1\n",
            Map.of(),
            "services.a.interval: \"200000d\" must be at most 3650d"),
        Arguments.of(
            db
                + "services:\n  a:\n    interval: 1s\n    statement-timeout: 30000d\n    sql: SELECT 1\n",
            Map.of(),
            "services.a.statement-timeout: \"30000d\" must be at most 24d"),
        Arguments.of(
            db + "services:\n  a:\n    interval: PT0.000000001S\n    sql: SELECT 1\n",
            Map.of(),
            "services.a.interval: \"PT0.000000001S\" must be at least 1ms"),
        Arguments.of(
            db + "services:\n  a:\n    interval: ~\n    sql: SELECT 1\n",
            Map.of(),
            "services.a.interval: is required"),
        Arguments.of("database: ~\n", Map.of(), "database: is required"),
        Arguments.of("", Map.of(), "database: is required"),
        Arguments.of(
            db + "services:\n  stamp:\n    interval: 1s\n    sql: SELECT 1\n",
            Map.of("LOOPWORK_SERVICES_STAMP_INTERVAL", "0ms"),
            "LOOPWORK_SERVICES_STAMP_INTERVAL (overrides services.stamp.interval): \"0ms\" must be at least 1ms"),
        Arguments.of(
            db + "admin:\n  bind: not-an-ip..\n",
            Map.of(),
            "admin.bind: \"not-an-ip..\" is not an IP address"),
        // Issue 16: a cron expression or zone that cannot be read, with the parser's reason.
        Arguments.of(
            db + "services:\n  nightly:\n    cron: \"0 0 32 * *\"\n    sql: SELECT 1\n",
            Map.of(),
            "services.nightly.cron: \"0 0 32 * *\" is not a valid cron expression: day-of-month field"
                + " '32': value 32 is out of range 1-31"),
        Arguments.of(
            db + "services:\n  nightly:\n    cron: \"0 3 * * *\"\n    sql: SELECT 1\n",
            Map.of("LOOPWORK_SERVICES_NIGHTLY_ZONE", "Europe/Berln"),
            "LOOPWORK_SERVICES_NIGHTLY_ZONE (overrides services.nightly.zone): \"Europe/Berln\" is not a"
                + " time zone id"));
  }

  /** Issue 14: {@code check} refuses all that {@code run} refuses, with the same words. */
  @ParameterizedTest
  @MethodSource("badConfigs")
  void checkExitsWithTwoOnWhatRunRefuses(String yaml, Map<String, String> env, String expected)
      throws IOException {
    Files.writeString(dir.resolve("loopwork.yaml"), yaml);

    HostProcess.Result result = HostProcess.run(dir, env, "check", "--config", "loopwork.yaml");

    assertThat(result.exitCode()).as(result.stdout()).isEqualTo(2);
    assertThat(result.stderr()).contains(expected).doesNotContain("\tat ");
  }

  /**
   * Issue 14: with a secret in every place a user can put one (user info in the URL, a password
   * parameter, the password, the token from the environment), no command prints one, whether the
   * URL cannot be used or the server cannot be reached.
   */
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:5432", "127.0.0.1:1"})
  void noCommandPrintsASecret(String server) throws IOException {
    Files.writeString(
        dir.resolve("secret.yaml"),
        "database:\n  url: jdbc:postgresql://app:userinfo-secret@"
            + server
            + "/app?password=param-secret\n  user: app\n  password: ${env:DB_PASSWORD}\nadmin:\n  token: ${env:TOKEN}\n");
    Map<String, String> env = Map.of("DB_PASSWORD", "env-secret", "TOKEN", "token-secret");

    for (String[] command :
        List.of(
            new String[] {"check", "-c", "secret.yaml"},
            new String[] {"services", "ls", "-c", "secret.yaml"},
            new String[] {"services", "pause", "x", "-c", "secret.yaml"},
            new String[] {"run", "-c", "secret.yaml"})) {
      HostProcess.Result result = HostProcess.run(dir, env, command);
      assertThat(result.stdout() + result.stderr())
          .as(String.join(" ", command))
          .doesNotContain("userinfo-secret", "param-secret", "env-secret", "token-secret");
    }
  }

  /**
   * Issue 14: a running host with secrets in every place (the URL's password parameter, {@code
   * password} and the token from the environment, an API key put into a service's SQL by {@code
   * ${env:}}, a key put into a class service's settings) whose sql service fails with a driver
   * message that echoes the key and whose class service fails with an error of its own that shows
   * its key: neither the log, the run journal, the admin API, the dashboard nor {@code services ls}
   * shows a secret.
   */
  @Test
  void aRunningHostShowsNoSecretAnywhere() throws Exception {
    String url = TestDatabases.freshPostgres();
    int port = HostProcess.freePort();
    Files.writeString(
        dir.resolve("secret.yaml"),
        "database:\n  url: "
            + url
            + "?password=param-secret\n"
            + "  user: postgres\n  password: ${env:DB_PASSWORD}\nadmin:\n  port: "
            + port
            + "\n  token: ${env:TOKEN}\n"
            + "services:\n  call-api:\n    interval: 200ms\n    sql: SELECT CAST('${env:API_KEY}' AS integer)\n"
            + "  call-plugin:\n    interval: 200ms\n    class: "
            + RefusedCallService.class.getName()
            + "\n    settings:\n      api-key: ${env:PLUGIN_KEY}\n");
    PluginJar.write(dir.resolve("plugins/refused.jar"), RefusedCallService.class);
    Map<String, String> env =
        Map.of(
            "DB_PASSWORD",
            "env-secret",
            "TOKEN",
            "token-secret",
            "API_KEY",
            "api-key-secret",
            "PLUGIN_KEY",
            "plugin-key-secret");
    List<String> secrets =
        List.of(
            "param-secret", "env-secret", "token-secret", "api-key-secret", "plugin-key-secret");
    try (HostProcess host = HostProcess.start(dir, env, "run", "-c", "secret.yaml")) {
      host.awaitLog("admin HTTP and dashboard on");
      String journal = url + "?user=postgres";
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  TestDatabases.count(
                          journal,
                          "SELECT count(*) FROM loopwork_run WHERE service LIKE 'call-%' AND outcome = 'FAILED'")
                      >= 4);
      HttpClient http = HttpClient.newHttpClient();
      StringBuilder shown = new StringBuilder();
      for (String path :
          List.of(
              "/api/services",
              "/api/services/call-api/runs",
              "/api/services/call-plugin/runs",
              "/metrics",
              "/health/ready",
              "/")) {
        shown.append(
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer token-secret")
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
      }
      String runs = shown.toString();
      HostProcess.Result ls = HostProcess.run(dir, env, "services", "ls", "-c", "secret.yaml");
      List<String> errors =
          TestDatabases.strings(
              journal, "SELECT error FROM loopwork_run WHERE service LIKE 'call-%'");
      host.terminate();
      assertThat(host.awaitExit(Duration.ofSeconds(60))).isZero();

      assertThat(runs).contains("invalid input syntax for type integer").contains("\\\"***\\\"");
      assertThat(runs).contains("the API refused the key ***");
      assertThat(host.stderr()).contains("the API refused the key ***");
      assertThat(errors)
          .isNotEmpty()
          .allSatisfy(error -> assertThat(error).containsAnyOf("\"***\"", "the key ***"));
      for (String text :
          List.of(
              host.stdout() + host.stderr(),
              runs,
              ls.stdout() + ls.stderr(),
              String.join("\n", errors))) {
        assertThat(text).doesNotContain(secrets);
      }
    }
  }

  /** Issue 14: a directory, or a file that is not UTF-8, gets a plain answer, not Java's words. */
  @Test
  void aDirectoryOrAFileThatIsNotUtf8IsRefusedInWords() throws IOException {
    Files.createDirectory(dir.resolve("conf.d"));
    Files.write(
        dir.resolve("latin1.yaml"), "replica: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    HostProcess.Result directory = HostProcess.run(dir, Map.of(), "check", "-c", "conf.d");
    HostProcess.Result latin1 = HostProcess.run(dir, Map.of(), "run", "-c", "latin1.yaml");

    assertThat(directory.exitCode()).isEqualTo(2);
    assertThat(directory.stderr())
        .contains("is a directory, not a configuration file")
        .doesNotContain("Exception");
    assertThat(latin1.exitCode()).isEqualTo(2);
    assertThat(latin1.stderr()).contains("is not UTF-8 text: byte 12").doesNotContain("Exception");
  }

  @ParameterizedTest
  @MethodSource("badConfigs")
  void runExitsWithTwoNamingThePathAndStartsNothing(
      String yaml, Map<String, String> env, String expected) throws IOException {
    Files.writeString(dir.resolve("loopwork.yaml"), yaml);

    HostProcess.Result result = HostProcess.run(dir, env, "run", "--config", "loopwork.yaml");

    assertThat(result.exitCode()).as(result.stderr()).isEqualTo(2);
    assertThat(result.stderr())
        .contains("loopwork.yaml has")
        .contains(expected)
        .doesNotContain("\tat ");
    assertThat(dir.resolve("db")).as("no database was opened").doesNotExist();
  }

  @Test
  void checkReportsEveryProblemAtOnce() throws IOException {
    Files.writeString(
        dir.resolve("bad.yaml"),
        "database: embedded\nreplica: ''\nservices:\n  a:\n    interval: 5x\n"
            + "    sql: SELECT 1\n"
            + "  b:\n    interval: 1s\n    sql: SELECT 1\n    timeout: never\n");

    HostProcess.Result result = HostProcess.run(dir, Map.of(), "check", "-c", "bad.yaml");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr())
        .contains("bad.yaml has 3 problems")
        .contains("replica: \"\" must be 1 to 100 characters")
        .contains("services.a.interval: \"5x\" is not a duration")
        .contains("services.b.timeout: \"never\" is not a duration");
  }

  @Test
  void checkPrintsThePlanWithoutSecrets() throws IOException {
    Files.writeString(
        dir.resolve("ok.yaml"),
        "database:\n  url: jdbc:postgresql://db:5432/app\n  user: app\n"
            + "  password: ${env:APP_DB_PASSWORD}\nservices:\n  expire-sessions:\n    interval: 30s\n"
            + "    sql: DELETE FROM sessions WHERE expires_at < now()\n");

    HostProcess.Result result =
        HostProcess.run(dir, Map.of("APP_DB_PASSWORD", "hunter2"), "check", "-c", "ok.yaml");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .contains("ok.yaml is valid")
        .contains("jdbc:postgresql://db:5432/app as app")
        .contains("expire-sessions")
        .contains("every 30s")
        .doesNotContain("hunter2");
  }

  @Test
  void usageErrorsExitWithTwo() {
    HostProcess.Result unknownOption = HostProcess.run(dir, Map.of(), "run", "--bogus");
    HostProcess.Result missingFile =
        HostProcess.run(dir, Map.of(), "check", "--config", "nope.yaml");
    HostProcess.Result help = HostProcess.run(dir, Map.of(), "services", "ls", "--help");
    HostProcess.Result version = HostProcess.run(dir, Map.of(), "--version");

    assertThat(unknownOption.exitCode()).isEqualTo(2);
    assertThat(unknownOption.stderr()).contains("Unknown option: '--bogus'");
    assertThat(missingFile.exitCode()).isEqualTo(2);
    assertThat(missingFile.stderr())
        .contains("nope.yaml has 1 problem")
        .contains("the file does not exist");
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("Usage: loopwork services ls").contains("--json");
    assertThat(version.stdout()).startsWith("loopwork 0.");
  }

  @Test
  void anUnreachableDatabaseExitsWithOneNamingItButNotThePassword() throws IOException {
    Files.writeString(
        dir.resolve("down.yaml"),
        "database:\n  url: jdbc:postgresql://127.0.0.1:1/app\n  user: app\n"
            + "  password: ${env:APP_DB_PASSWORD}\nadmin:\n  enabled: false\n");

    HostProcess.Result result =
        HostProcess.run(dir, Map.of("APP_DB_PASSWORD", "hunter2"), "run", "-c", "down.yaml");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr())
        .contains("loopwork: Cannot connect to jdbc:postgresql://127.0.0.1:1/app as user app")
        .doesNotContain("hunter2")
        .doesNotContain("\tat ");
  }

  @Test
  void badOptionValuesExitWithTwo() {
    HostProcess.Result logFormat = HostProcess.run(dir, Map.of(), "check", "--log-format", "xml");
    HostProcess.Result product = HostProcess.run(dir, Map.of(), "schema", "--database", "oracle");

    assertThat(logFormat.exitCode()).isEqualTo(2);
    assertThat(logFormat.stderr()).startsWith("--log-format must be text or json, not 'xml'");
    assertThat(product.exitCode()).isEqualTo(2);
    assertThat(product.stderr())
        .contains("--database: database product not supported by Loopwork: \"oracle\"");
  }

  @Test
  void schemaPrintsTheSqlOfEveryTable() {
    HostProcess.Result result = HostProcess.run(dir, Map.of(), "schema");

    assertThat(result.exitCode()).isZero();
    assertThat(result.stdout())
        .contains("CREATE TABLE IF NOT EXISTS loopwork_lease")
        .contains("CREATE TABLE IF NOT EXISTS loopwork_run")
        .contains("CREATE TABLE IF NOT EXISTS loopwork_service_control")
        .contains("CREATE TABLE IF NOT EXISTS loopwork_service_status");
  }
}
