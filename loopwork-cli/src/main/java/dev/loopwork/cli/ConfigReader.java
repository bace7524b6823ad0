package dev.loopwork.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.loopwork.cli.HostConfig.AdminSettings;
import dev.loopwork.cli.HostConfig.Coordination;
import dev.loopwork.cli.HostConfig.DatabaseSettings;
import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.cron.CronSchedule;
import dev.loopwork.cron.InvalidCronExpressionException;
import dev.loopwork.jdbc.Database;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the YAML configuration. Every problem is collected with its path ({@code
 * services.expire-sessions.interval: "5x" is not a duration}) and all of them are reported at once
 * in a {@link ConfigException}; unknown keys are problems too. {@code ${env:NAME}} in any string is
 * replaced by the environment variable, and {@code LOOPWORK_SERVICES_<NAME>_ENABLED}, {@code
 * _INTERVAL}, {@code _CRON}, {@code _ZONE} and {@code _MISFIRE_GRACE} override a service's
 * settings.
 */
final class ConfigReader {
  private static final Pattern ENV_REFERENCE =
      Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  /** The grammar of a service's name, which the admin API also checks before any lookup. */
  static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

  private static final String OVERRIDE_PREFIX = "LOOPWORK_SERVICES_";
  private static final String DURATION_HINT =
      " (write it like 500ms, 30s, 5m, 1h or ISO-8601 PT30S)";
  private static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(60);

  /** The shortest interval or timeout: anything shorter would spin, and is refused like zero. */
  private static final Duration SHORTEST = Duration.ofMillis(1);

  /** The longest interval or timeout, well within what the engine's nanosecond arithmetic holds. */
  private static final Duration LONGEST_SCHEDULE = Duration.ofDays(3650);

  /** The longest statement timeout: JDBC drivers hold it in milliseconds in an int. */
  private static final Duration LONGEST_STATEMENT_TIMEOUT = Duration.ofDays(24);

  /**
   * The names of a class service's settings whose values are secrets, masked wherever the host
   * shows text: a name that contains password, passwd, secret, token, key or credential.
   */
  private static final Pattern SECRET_SETTING =
      Pattern.compile("(?i).*(password|passwd|secret|token|key|credential).*");

  /** The value of {@code database} that asks for the embedded H2 database. */
  private static final String EMBEDDED = "embedded";

  private static final Set<String> TOP_KEYS =
      Set.of("database", "replica", "admin", "plugins", "services", "tracing");
  private static final Set<String> DATABASE_KEYS = Set.of("url", "user", "password");
  private static final Set<String> ADMIN_KEYS =
      Set.of("enabled", "bind", "port", "token", "read-token-required");

  /** The settings of a service that an environment variable overrides. */
  private static final List<String> OVERRIDDEN_KEYS =
      List.of("enabled", "interval", "cron", "zone", "misfire-grace");

  /** The settings of a service that apply to a cron expression only. */
  private static final List<String> CRON_KEYS = List.of("zone", "misfire-grace");

  private static final Set<String> SERVICE_KEYS =
      Set.of(
          "interval",
          "cron",
          "zone",
          "misfire-grace",
          "enabled",
          "timeout",
          "coordination",
          "sql",
          "repeat-while-rows",
          "statement-timeout",
          "class",
          "settings");

  private final Map<String, String> environment;
  private final ObjectMapper yaml =
      new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** A reader that resolves {@code ${env:NAME}} and overrides with {@code environment}. */
  ConfigReader(Map<String, String> environment) {
    this.environment = new TreeMap<>(environment);
  }

  /** A reader of the process's environment. */
  static ConfigReader ofSystemEnvironment() {
    return new ConfigReader(System.getenv());
  }

  /**
   * The configuration in {@code file}, or the built-in defaults when {@code file} is null.
   *
   * @throws ConfigException if the file cannot be read or has problems
   */
  HostConfig read(Path file) {
    if (file == null) {
      return parse("built-in defaults", "database: " + EMBEDDED);
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException(
          file.toString(), List.of("is a directory, not a configuration file"));
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), List.of("the file does not exist"));
    } catch (AccessDeniedException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: permission denied"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
    }
    return parse(file.toString(), utf8(file, bytes));
  }

  /**
   * {@code bytes} decoded as UTF-8; a byte sequence that is not UTF-8 is refused with its offset.
   */
  private static String utf8(Path file, byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new ConfigException(
          file.toString(),
          List.of(
              "is not UTF-8 text: byte "
                  + in.position()
                  + " (counting from 0) starts an invalid sequence; save the file as UTF-8"));
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /**
   * The configuration in {@code text}; {@code source} names it in messages.
   *
   * @throws ConfigException if it has problems
   */
  HostConfig parse(String source, String text) {
    JsonNode root;
    try {
      root = text.isBlank() ? yaml.createObjectNode() : yaml.readTree(text);
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
      throw new ConfigException(
          source, List.of(where + "not valid YAML: " + e.getOriginalMessage()));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = yaml.createObjectNode();
    }
    Section top = new Section(new ArrayList<>(), "", root);
    HostConfig config = read(source, top);
    if (!top.problems.isEmpty()) {
      throw new ConfigException(source, top.problems);
    }
    return config;
  }

  private HostConfig read(String source, Section top) {
    if (!top.isObject()) {
      return null;
    }
    top.rejectUnknown(TOP_KEYS);
    DatabaseSettings database = readDatabase(top);
    Optional<String> replica = top.text("replica");
    replica
        .filter(r -> r.isBlank() || r.length() > 100)
        .ifPresent(r -> top.problem("replica", "\"" + r + "\" must be 1 to 100 characters"));
    Section admin = top.child("admin");
    admin.rejectUnknown(ADMIN_KEYS);
    int port = admin.integer("port", 0, 65_535).orElse(HostConfig.DEFAULT_ADMIN_PORT);
    String bind = admin.text("bind").orElse("127.0.0.1");
    Optional<InetAddress> bound = resolve(bind);
    if (bound.isEmpty()) {
      admin.problem(
          "bind", "\"" + bind + "\" is not an IP address or a host name that resolves here");
    }
    // Reads show replica names, SQL and errors: they need the token too unless only this machine
    // can connect.
    boolean readTokenRequired =
        admin
            .bool("read-token-required")
            .orElseGet(() -> !bound.map(InetAddress::isLoopbackAddress).orElse(false));
    AdminSettings adminSettings =
        new AdminSettings(
            admin.bool("enabled").orElse(true),
            bind,
            port,
            admin.secret("token"),
            readTokenRequired);
    Path plugins = top.text("plugins").map(Path::of).orElse(HostConfig.DEFAULT_PLUGINS);
    List<ServiceSpec> services = readServices(top);
    return new HostConfig(
        source, database, replica, adminSettings, plugins, services, readTracing(top));
  }

  /**
   * The {@code tracing} section: {@code otlp.endpoint}, the OTLP/HTTP URL that spans go to (e.g.
   * {@code http://collector:4318/v1/traces}); empty when not set.
   */
  private Optional<URI> readTracing(Section top) {
    Section tracing = top.child("tracing");
    tracing.rejectUnknown(Set.of("otlp"));
    Section otlp = tracing.child("otlp");
    otlp.rejectUnknown(Set.of("endpoint"));
    Optional<String> endpoint = otlp.text("endpoint");
    if (endpoint.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(endpoint.get());
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null) {
        return Optional.of(uri);
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    otlp.problem(
        "endpoint",
        "\""
            + endpoint.get()
            + "\" is not an http or https URL (e.g. http://collector:4318/v1/traces)");
    return Optional.empty();
  }

  /**
   * The {@code database} section: a mapping with {@code url}, or {@code embedded} for the embedded
   * H2 database. A file that says neither is refused, so that a replica meant to share its leases
   * never runs on a database of its own by mistake.
   */
  private DatabaseSettings readDatabase(Section top) {
    JsonNode value = top.node.path("database");
    if (value.isTextual() && value.textValue().equals(EMBEDDED)) {
      return new DatabaseSettings(Optional.empty(), Optional.empty(), Optional.empty());
    }
    if (value.isMissingNode() || value.isNull()) {
      top.problem(
          "database",
          "is required: give its url (database: {url: jdbc:postgresql://...}), or write "
              + "\"database: embedded\" for the embedded H2 database in ./"
              + HostConfig.EMBEDDED_DATA_DIRECTORY
              + " (one process only: replicas must share a server)");
      return new DatabaseSettings(Optional.empty(), Optional.empty(), Optional.empty());
    }
    if (value.isValueNode()) {
      top.problem(
          "database", quoted(value) + " is neither a mapping with a url nor \"" + EMBEDDED + "\"");
      return new DatabaseSettings(Optional.empty(), Optional.empty(), Optional.empty());
    }
    Section db = top.child("database");
    db.rejectUnknown(DATABASE_KEYS);
    Optional<String> url = db.text("url");
    if (url.isEmpty() && db.isObject()) {
      db.problem(
          "url",
          "is required (or write \"database: " + EMBEDDED + "\" for the embedded H2 database)");
    }
    // Only whether it is a JDBC URL: the drivers of the plugins folder are known once the
    // services are made (ServiceFactory), which then checks that one accepts it.
    url.filter(u -> !u.regionMatches(true, 0, "jdbc:", 0, 5))
        .flatMap(Database::urlProblem)
        .ifPresent(problem -> db.problem("url", problem));
    return new DatabaseSettings(url, db.text("user"), db.secret("password"));
  }

  private List<ServiceSpec> readServices(Section top) {
    Section all = top.child("services");
    List<ServiceSpec> services = new ArrayList<>();
    Set<String> overridden = new LinkedHashSet<>();
    if (!all.isObject()) {
      return services;
    }
    for (Iterator<String> names = all.node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      Section s = all.child(name);
      if (!SERVICE_NAME.matcher(name).matches()) {
        all.problem(
            name,
            "is not a valid service name (lower-case letters, digits, '-' and '_', at most 100)");
      } else if (name.startsWith("loopwork")) {
        all.problem(
            name, "names starting with \"loopwork\" are reserved for Loopwork's own services");
      }
      if (!s.isObject()) {
        continue;
      }
      services.add(readService(name, s, overridden));
    }
    for (String variable : envOverrideVariables()) {
      if (!overridden.contains(variable)) {
        top.problems.add(
            variable
                + ": no service in the configuration has this name (services: "
                + services.stream().map(ServiceSpec::name).toList()
                + ")");
      }
    }
    return services;
  }

  private ServiceSpec readService(String name, Section s, Set<String> overridden) {
    s.rejectUnknown(SERVICE_KEYS);
    String envPrefix =
        OVERRIDE_PREFIX + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
    Section overrides = s.withOverrides(envPrefix, overridden);
    ScheduleSpec schedule = readSchedule(overrides);
    Optional<Duration> timeout = s.duration("timeout", LONGEST_SCHEDULE);
    Coordination coordination =
        s.text("coordination").map(c -> parseCoordination(s, c)).orElse(Coordination.EXCLUSIVE);
    boolean isSql = s.node.has("sql");
    boolean isClass = s.node.has("class");
    if (isSql == isClass) {
      s.problems.add(
          s.path(null)
              + ": needs exactly one of \"sql\" (statements) or \"class\" (a LoopService "
              + "subclass)");
    }
    List<String> sql = isSql ? s.statements("sql") : List.of();
    Optional<Integer> batch = s.integer("repeat-while-rows", 1, Integer.MAX_VALUE);
    Optional<Duration> statementTimeout =
        s.duration("statement-timeout", LONGEST_STATEMENT_TIMEOUT);
    Map<String, Object> settings = s.settings("settings");
    if (!isSql) {
      for (String sqlOnly : List.of("repeat-while-rows", "statement-timeout")) {
        if (s.node.has(sqlOnly)) {
          s.problem(sqlOnly, "applies to sql services only");
        }
      }
    }
    if (!isClass && s.node.has("settings")) {
      s.problem("settings", "applies to class services only");
    }
    return new ServiceSpec(
        name,
        isSql ? Kind.SQL : Kind.CLASS,
        overrides.bool("enabled").orElse(true),
        schedule,
        timeout,
        coordination,
        sql,
        batch,
        statementTimeout
            .or(() -> timeout.map(ConfigReader::statementTimeoutOf))
            .orElse(DEFAULT_STATEMENT_TIMEOUT),
        s.text("class"),
        settings,
        isSql ? envValuesIn(s.node.path("sql")) : secretValuesIn(settings, false));
  }

  /**
   * A service's schedule: exactly one of {@code interval} and {@code cron}; {@code zone} (default:
   * the JVM's default zone) and {@code misfire-grace} (default: one period of the expression; 0
   * skips missed fires) with {@code cron} only.
   */
  private ScheduleSpec readSchedule(Section s) {
    boolean isInterval = s.has("interval");
    boolean isCron = s.has("cron");
    if (isInterval && isCron) {
      s.problems.add(
          s.pathOf("interval")
              + " and "
              + s.pathOf("cron")
              + " are both set: give exactly one of them (interval: from one start to the next;"
              + " cron: at calendar times)");
    } else if (!isInterval && !isCron) {
      s.problem(
          "interval",
          "is required (e.g. interval: 30s), or a cron expression instead (e.g. cron: \"0 3 * * *\")");
    }
    Optional<Duration> interval = s.duration("interval", LONGEST_SCHEDULE);
    if (!isCron) {
      for (String cronOnly : CRON_KEYS) {
        if (s.has(cronOnly)) {
          s.problems.add(
              s.pathOf(cronOnly)
                  + ": applies to a cron expression (cron: \"0 3 * * *\"), not to an interval");
        }
      }
      return new ScheduleSpec.Interval(interval.orElse(Duration.ofSeconds(60)));
    }
    Optional<ZoneId> zone = s.zone("zone");
    Optional<Duration> grace = s.duration("misfire-grace", Duration.ZERO, LONGEST_SCHEDULE);
    Optional<CronSchedule> cron = s.cron("cron", zone.orElseGet(ZoneId::systemDefault));
    return cron.<ScheduleSpec>map(c -> new ScheduleSpec.Cron(c, s.has("zone"), grace))
        .orElseGet(() -> new ScheduleSpec.Interval(Duration.ofSeconds(60)));
  }

  /**
   * The values of the environment variables that {@code ${env:NAME}} references in the texts of
   * {@code node} and of the nodes it holds.
   */
  private List<String> envValuesIn(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isContainerNode()) {
      node.forEach(child -> values.addAll(envValuesIn(child)));
      return values;
    }
    Matcher m = ENV_REFERENCE.matcher(node.asText(""));
    while (m.find()) {
      Optional.ofNullable(environment.get(m.group(1))).ifPresent(values::add);
    }
    return values;
  }

  /**
   * The texts in {@code value} (a setting's value: a text, a mapping or a list) that are secrets:
   * all of them below a setting whose name marks a secret ({@link #SECRET_SETTING}), or when {@code
   * secret}.
   */
  private static List<String> secretValuesIn(Object value, boolean secret) {
    List<String> values = new ArrayList<>();
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) ->
              values.addAll(
                  secretValuesIn(
                      v, secret || SECRET_SETTING.matcher(String.valueOf(k)).matches())));
    } else if (value instanceof List<?> list) {
      list.forEach(v -> values.addAll(secretValuesIn(v, secret)));
    } else if (secret && value != null) {
      values.add(String.valueOf(value));
    }
    return values;
  }

  /** The address {@code host} names, if it is an IP address or a host name that resolves here. */
  private static Optional<InetAddress> resolve(String host) {
    if (host.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(host));
    } catch (UnknownHostException | SecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * The statement timeout that a service's {@code timeout} stands for when none is set: capped at
   * what JDBC holds.
   */
  private static Duration statementTimeoutOf(Duration timeout) {
    return timeout.compareTo(LONGEST_STATEMENT_TIMEOUT) > 0 ? LONGEST_STATEMENT_TIMEOUT : timeout;
  }

  /** Whether {@code host} names only this machine (a loopback address or {@code localhost}). */
  static boolean isLoopback(String host) {
    return resolve(host).map(InetAddress::isLoopbackAddress).orElse(false);
  }

  private static Coordination parseCoordination(Section s, String text) {
    for (Coordination c : Coordination.values()) {
      if (c.text().equals(text)) {
        return c;
      }
    }
    s.problem("coordination", "\"" + text + "\" is not one of exclusive, every-replica");
    return Coordination.EXCLUSIVE;
  }

  private List<String> envOverrideVariables() {
    List<String> variables = new ArrayList<>();
    for (String key : OVERRIDDEN_KEYS) {
      String suffix = "_" + variableName(key);
      environment.keySet().stream()
          .filter(n -> n.startsWith(OVERRIDE_PREFIX) && n.endsWith(suffix))
          .forEach(variables::add);
    }
    return variables;
  }

  /**
   * How a setting is named in an environment variable: {@code misfire-grace} as {@code
   * MISFIRE_GRACE}.
   */
  private static String variableName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** One mapping of the file, with the path that leads to it and the shared list of problems. */
  private final class Section {
    final List<String> problems;
    final String prefix;
    final JsonNode node;
    private final Map<String, Override> overrides = new LinkedHashMap<>();

    Section(List<String> problems, String prefix, JsonNode node) {
      this.problems = problems;
      this.prefix = prefix;
      this.node = node;
    }

    String path(String key) {
      if (key == null) {
        return prefix.isEmpty() ? "(top level)" : prefix;
      }
      return prefix.isEmpty() ? key : prefix + "." + key;
    }

    void problem(String key, String message) {
      problems.add(path(key) + ": " + message);
    }

    boolean isObject() {
      if (node.isMissingNode() || node.isObject()) {
        return true;
      }
      problems.add(path(null) + ": must be a mapping of keys to values, not " + describe(node));
      return false;
    }

    Section child(String key) {
      JsonNode value = node.path(key);
      Section child =
          new Section(problems, path(key), value.isNull() ? MissingNode.getInstance() : value);
      if (!child.node.isMissingNode() && !child.node.isObject()) {
        child.isObject();
        return new Section(problems, path(key), MissingNode.getInstance());
      }
      return child;
    }

    void rejectUnknown(Set<String> known) {
      for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!known.contains(key)) {
          problem(
              key,
              "unknown key (expected one of "
                  + String.join(", ", new java.util.TreeSet<>(known))
                  + ")");
        }
      }
    }

    /**
     * A section whose values for the {@link #OVERRIDDEN_KEYS} come from the environment when set.
     * An interval from the environment replaces the file's cron expression (with its zone and
     * misfire grace), and a cron expression from the environment replaces the file's interval.
     */
    Section withOverrides(String envPrefix, Set<String> used) {
      ObjectNode values = node.isObject() ? node.deepCopy() : yaml.createObjectNode();
      Section copy = new Section(problems, prefix, values);
      for (String key : OVERRIDDEN_KEYS) {
        String variable = envPrefix + variableName(key);
        String value = environment.get(variable);
        if (value != null) {
          used.add(variable);
          values.set(key, TextNode.valueOf(value));
          copy.overrides.put(key, new Override(variable));
        }
      }
      boolean intervalFromEnv = copy.overrides.containsKey("interval");
      boolean cronFromEnv = copy.overrides.containsKey("cron");
      if (intervalFromEnv && !cronFromEnv) {
        List.of("cron", "zone", "misfire-grace").stream()
            .filter(key -> !copy.overrides.containsKey(key))
            .forEach(values::remove);
      } else if (cronFromEnv && !intervalFromEnv) {
        values.remove("interval");
      }
      return copy;
    }

    private String pathOf(String key) {
      Override o = overrides.get(key);
      return o != null ? o.variable + " (overrides " + path(key) + ")" : path(key);
    }

    Optional<String> text(String key) {
      JsonNode value = node.path(key);
      if (value.isMissingNode() || value.isNull()) {
        return Optional.empty();
      }
      if (!value.isValueNode() || value.isBinary()) {
        problem(key, "must be a single value, not " + describe(value));
        return Optional.empty();
      }
      return Optional.of(substitute(key, value.asText()));
    }

    Optional<Secret> secret(String key) {
      Optional<String> raw = Optional.ofNullable(node.path(key).textValue());
      return text(key)
          .map(
              value ->
                  new Secret(
                      value,
                      raw.map(
                              r -> {
                                Matcher m = ENV_REFERENCE.matcher(r);
                                return m.find()
                                    ? "environment variable " + m.group(1)
                                    : "the configuration file";
                              })
                          .orElse("the configuration file")));
    }

    private String substitute(String key, String text) {
      Matcher m = ENV_REFERENCE.matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = environment.get(m.group(1));
        if (value == null) {
          problem(key, "environment variable " + m.group(1) + " is not set");
          value = "";
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return out.toString();
    }

    Optional<Boolean> bool(String key) {
      JsonNode value = node.path(key);
      if (value.isMissingNode() || value.isNull()) {
        return Optional.empty();
      }
      if (value.isBoolean()) {
        return Optional.of(value.booleanValue());
      }
      String text = value.asText().trim().toLowerCase(Locale.ROOT);
      if (text.equals("true") || text.equals("false")) {
        return Optional.of(Boolean.parseBoolean(text));
      }
      problems.add(pathOf(key) + ": " + quoted(value) + " is not true or false");
      return Optional.empty();
    }

    Optional<Integer> integer(String key, int min, int max) {
      JsonNode value = node.path(key);
      if (value.isMissingNode() || value.isNull()) {
        return Optional.empty();
      }
      if (!value.canConvertToInt()
          || !value.isIntegralNumber()
          || value.intValue() < min
          || value.intValue() > max) {
        problem(key, quoted(value) + " is not a whole number from " + min + " to " + max);
        return Optional.empty();
      }
      return Optional.of(value.intValue());
    }

    /** Whether {@code key} has a value: an explicit null counts as missing. */
    boolean has(String key) {
      return !node.path(key).isMissingNode() && !node.path(key).isNull();
    }

    /** A duration from 1 ms to {@code longest}, which the message names if it is exceeded. */
    Optional<Duration> duration(String key, Duration longest) {
      return duration(key, SHORTEST, longest);
    }

    /**
     * A duration from {@code shortest} (zero or {@link #SHORTEST}) to {@code longest}, which the
     * message names if it is exceeded.
     */
    Optional<Duration> duration(String key, Duration shortest, Duration longest) {
      if (!has(key)) {
        return Optional.empty();
      }
      JsonNode value = node.path(key);
      Optional<Duration> parsed =
          value.isTextual()
              ? DurationText.parse(substitute(key, value.textValue()))
              : Optional.empty();
      String problem = null;
      if (parsed.isEmpty()) {
        problem = "is not a duration" + DURATION_HINT;
      } else if (parsed.get().isNegative()) {
        problem = "must not be negative";
      } else if (parsed.get().compareTo(shortest) < 0) {
        problem = "must be at least 1ms (shorter is refused like zero)";
      } else if (parsed.get().compareTo(longest) > 0) {
        problem =
            "must be at most "
                + DurationText.format(longest)
                + (longest.equals(LONGEST_STATEMENT_TIMEOUT)
                    ? " (JDBC holds a statement timeout in milliseconds)"
                    : "");
      }
      if (problem != null) {
        problems.add(pathOf(key) + ": " + quoted(value) + " " + problem);
        return Optional.empty();
      }
      return parsed;
    }

    /** The time zone named by {@code key}: an IANA id such as {@code Europe/Berlin}. */
    Optional<ZoneId> zone(String key) {
      return parsed(
          key,
          text(key),
          ZoneId::of,
          "is not a time zone id (write an IANA id such as Europe/Berlin)");
    }

    /** The cron expression of {@code key}, read in {@code zone}. */
    Optional<CronSchedule> cron(String key, ZoneId zone) {
      Optional<String> text = text(key);
      if (text.filter(t -> t.length() > HostSchema.CRON_LENGTH).isPresent()) {
        problems.add(pathOf(key) + ": is longer than " + HostSchema.CRON_LENGTH + " characters");
        return Optional.empty();
      }
      return parsed(
          key,
          text,
          expression -> CronSchedule.parse(expression, zone),
          "is not a valid cron expression");
    }

    /**
     * The {@code text} of {@code key} as {@code parse} reads it. A text that it refuses (with a
     * {@link DateTimeException} or an {@link IllegalArgumentException}, such as {@link
     * InvalidCronExpressionException}) is a problem: the text, {@code refusal} and the parser's
     * reason.
     */
    private <T> Optional<T> parsed(
        String key, Optional<String> text, Function<String, T> parse, String refusal) {
      try {
        return text.map(parse);
      } catch (DateTimeException | IllegalArgumentException e) {
        problems.add(pathOf(key) + ": \"" + text.get() + "\" " + refusal + ": " + e.getMessage());
        return Optional.empty();
      }
    }

    List<String> statements(String key) {
      JsonNode value = node.path(key);
      List<String> statements = new ArrayList<>();
      if (value.isTextual()) {
        statements.add(substitute(key, value.textValue()).trim());
      } else if (value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          if (!value.get(i).isTextual()) {
            problem(key + "[" + i + "]", "must be an SQL statement, not " + describe(value.get(i)));
          } else {
            statements.add(substitute(key, value.get(i).textValue()).trim());
          }
        }
      } else {
        problem(key, "must be an SQL statement or a list of them, not " + describe(value));
      }
      for (String statement : statements) {
        if (statement.isEmpty()) {
          problem(key, "holds an empty statement");
        }
      }
      if (value.isArray() && value.isEmpty()) {
        problem(key, "must hold at least one statement");
      }
      return List.copyOf(statements);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> settings(String key) {
      JsonNode value = node.path(key);
      if (value.isMissingNode() || value.isNull()) {
        return Map.of();
      }
      if (!value.isObject()) {
        problem(key, "must be a mapping of keys to values, not " + describe(value));
        return Map.of();
      }
      Map<String, Object> map = yaml.convertValue(value, LinkedHashMap.class);
      Map<String, Object> resolved = new LinkedHashMap<>();
      map.forEach(
          (k, v) ->
              resolved.put(k, v instanceof String ? substitute(key + "." + k, (String) v) : v));
      return java.util.Collections.unmodifiableMap(resolved);
    }
  }

  private record Override(String variable) {}

  private static String quoted(JsonNode value) {
    return value.isTextual() ? "\"" + value.textValue() + "\"" : value.toString();
  }

  private static String describe(JsonNode value) {
    if (value.isObject()) {
      return "a mapping";
    }
    if (value.isArray()) {
      return "a list";
    }
    return quoted(value);
  }
}
