package dev.loopwork.cli;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.SecretMask;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated configuration of the host: where the database is, who this replica is, the admin HTTP
 * endpoint and the services to run. Built by {@link ConfigReader}; immutable.
 *
 * @param source the file it was read from, or {@code built-in defaults}
 * @param database the database settings
 * @param replica this replica's id, or empty for host name and process id
 * @param admin the admin HTTP settings
 * @param plugins the folder whose jars hold {@code class} services
 * @param services the services, in the order of the file
 * @param tracingEndpoint the OTLP/HTTP URL that each iteration's span goes to, or empty for none
 */
record HostConfig(
    String source,
    DatabaseSettings database,
    Optional<String> replica,
    AdminSettings admin,
    Path plugins,
    List<ServiceSpec> services,
    Optional<URI> tracingEndpoint) {

  /** Where the embedded H2 database lives when no URL is configured. */
  static final Path EMBEDDED_DATA_DIRECTORY = Path.of("loopwork-data");

  /** The folder searched for plugin jars by default. */
  static final Path DEFAULT_PLUGINS = Path.of("plugins");

  /** The admin port when none is configured. */
  static final int DEFAULT_ADMIN_PORT = 8432;

  /**
   * The secrets of this configuration, masked in the errors of its sql services and in every log
   * line: the database's password and the credentials in its URL, the admin token, the values that
   * {@code ${env:NAME}} put into {@code sql}, and a class service's settings named like a secret.
   */
  SecretMask secretMask() {
    return SecretMask.ofConnection(
            database.jdbcUrl(), database.password().map(Secret::value).orElse(null))
        .and(otherSecrets());
  }

  /**
   * The admin token, the user info and query of the tracing endpoint (where its credentials are)
   * and the secrets of the services.
   */
  private List<String> otherSecrets() {
    List<String> secrets = new ArrayList<>();
    admin.token().map(Secret::value).ifPresent(secrets::add);
    tracingEndpoint.map(URI::getUserInfo).ifPresent(secrets::add);
    tracingEndpoint.map(URI::getQuery).ifPresent(secrets::add);
    services.forEach(service -> secrets.addAll(service.secrets()));
    return secrets;
  }

  /**
   * Connects to the database with a pool of at most {@code connections} connections; every secret
   * of this configuration is masked in its errors and in the run journal.
   *
   * @throws dev.loopwork.jdbc.DatabaseException if the database cannot be reached or refuses the
   *     credentials
   */
  Database openDatabase(int connections) {
    return database.open(connections, otherSecrets());
  }

  /** The enabled services. */
  List<ServiceSpec> enabledServices() {
    return services.stream().filter(ServiceSpec::enabled).toList();
  }

  /**
   * @param url the JDBC URL, or empty for the embedded H2 database
   * @param user the user, or empty
   * @param password the password, or empty
   */
  record DatabaseSettings(Optional<String> url, Optional<String> user, Optional<Secret> password) {

    /**
     * The JDBC URL to connect to. The embedded H2 database is opened in auto-server mode, so that
     * {@code loopwork services ...} can reach it while {@code loopwork run} has it open.
     */
    String jdbcUrl() {
      return url.orElseGet(
          () ->
              "jdbc:h2:file:"
                  + EMBEDDED_DATA_DIRECTORY.toAbsolutePath().resolve("loopwork")
                  + ";AUTO_SERVER=TRUE");
    }

    /** The URL without credentials or parameters, and the user: safe to print. */
    String describe() {
      return Database.redactUrl(jdbcUrl())
          + (url.isEmpty() ? " (embedded)" : "")
          + user.map(u -> " as " + u).orElse("")
          + password.map(p -> ", password " + p.describe()).orElse("");
    }

    /**
     * Connects, with a pool of at most {@code connections} connections, masking {@code
     * otherSecrets} like the password.
     */
    private Database open(int connections, List<String> otherSecrets) {
      if (url.isEmpty()) {
        try {
          Files.createDirectories(EMBEDDED_DATA_DIRECTORY);
        } catch (IOException e) {
          throw new DatabaseException(
              "Cannot create the embedded database's directory "
                  + EMBEDDED_DATA_DIRECTORY.toAbsolutePath(),
              e);
        }
      }
      return Database.builder()
          .url(jdbcUrl())
          .user(user.orElse(null))
          .password(password.map(Secret::value).orElse(null))
          .maximumPoolSize(connections)
          .secrets(otherSecrets)
          .build();
    }
  }

  /**
   * @param enabled whether the admin HTTP endpoint runs
   * @param bind the address it listens on (127.0.0.1 unless configured)
   * @param port its port; 0 picks a free one
   * @param token the bearer token that POST requests need, or empty (then every POST is refused)
   */
  /**
   * The admin HTTP endpoint's settings; {@code readTokenRequired}: whether reads (the API, the
   * metrics) need the token too, as writes always do.
   */
  record AdminSettings(
      boolean enabled, String bind, int port, Optional<Secret> token, boolean readTokenRequired) {}

  /** What runs in a service's iteration. */
  enum Kind {
    SQL,
    CLASS
  }

  /** Where a service runs when several replicas share the database. */
  enum Coordination {
    /** On one replica at a time, under a lease. */
    EXCLUSIVE,
    /** On every replica. */
    EVERY_REPLICA;

    /** The spelling in the file: {@code exclusive}, {@code every-replica}. */
    String text() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * One service of the file.
   *
   * @param name its key under {@code services}
   * @param kind sql or class
   * @param enabled whether it runs
   * @param schedule when its iterations start: an interval, or a cron expression in a zone
   * @param timeout the limit for one iteration, or empty
   * @param coordination exclusive or every-replica
   * @param sql the statements of a {@code sql} service, run in one transaction
   * @param repeatWhileRows for a batched {@code sql} service, the batch size: the statements run
   *     again while the last one changed at least this many rows
   * @param statementTimeout the limit for one statement of a {@code sql} service
   * @param className the {@code LoopService} subclass of a {@code class} service
   * @param settings the free-form {@code settings} section of a {@code class} service
   * @param secrets the values that {@code ${env:NAME}} put into {@code sql}, and the values of the
   *     {@code settings} whose name marks a secret: masked in errors, the log and the run journal
   */
  record ServiceSpec(
      String name,
      Kind kind,
      boolean enabled,
      ScheduleSpec schedule,
      Optional<Duration> timeout,
      Coordination coordination,
      List<String> sql,
      Optional<Integer> repeatWhileRows,
      Duration statementTimeout,
      Optional<String> className,
      Map<String, Object> settings,
      List<String> secrets) {}
}
