package dev.loopwork.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code loopwork.*} properties. Keys under {@code loopwork.services} are service names,
 * matched to {@link dev.loopwork.LoopService#name()} ignoring case and punctuation, so that {@code
 * expire-sessions}, {@code ExpireSessions} and the environment variable form {@code
 * LOOPWORK_SERVICES_EXPIRESESSIONS_INTERVAL} all reach the service named {@code ExpireSessions}.
 *
 * <pre>{@code
 * loopwork.shutdown.timeout=20s
 * loopwork.services.expire-sessions.interval=30s
 * loopwork.services.expire-sessions.timeout=10s
 * loopwork.services.rebuild-statistics.cron=0 3 * * *
 * loopwork.services.rebuild-statistics.zone=Europe/Berlin
 * loopwork.services.rebuild-statistics.misfire-grace=2h
 * loopwork.services.refresh-cache.coordination=every-replica
 * }</pre>
 */
@ConfigurationProperties("loopwork")
public class LoopworkProperties {

  /** Whether Loopwork runs the application's LoopService beans at all. */
  private boolean enabled = true;

  private final Shutdown shutdown = new Shutdown();

  private final Leases coordination = new Leases();

  private final Journal journal = new Journal();

  private final Health health = new Health();

  /** Settings per service, keyed by service name (case and punctuation are ignored). */
  private Map<String, Service> services = new LinkedHashMap<>();

  /** Whether Loopwork runs the application's loop services. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether Loopwork runs the application's loop services. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** How the services stop when the application context closes. */
  public Shutdown getShutdown() {
    return shutdown;
  }

  /** How replicas share exclusive services. */
  public Leases getCoordination() {
    return coordination;
  }

  /** How long the run journal keeps iterations. */
  public Journal getJournal() {
    return journal;
  }

  /** When the {@code loopwork} health indicator reports failing services. */
  public Health getHealth() {
    return health;
  }

  /** The settings per service name, as bound. */
  public Map<String, Service> getServices() {
    return services;
  }

  /** Replaces the settings per service name. */
  public void setServices(Map<String, Service> services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  /**
   * The settings of the service named {@code name}, matched ignoring case and punctuation; empty if
   * none.
   */
  public Optional<Service> service(String name) {
    String wanted = relaxedName(name);
    return services.entrySet().stream()
        .filter(e -> relaxedName(e.getKey()).equals(wanted))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  /**
   * A name reduced to lower-case letters and digits, the form in which property keys are matched.
   */
  static String relaxedName(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
  }

  /** The {@code loopwork.shutdown.*} properties. */
  public static class Shutdown {
    /** How long closing the application waits for running iterations to finish. */
    private Duration timeout = Duration.ofSeconds(30);

    /** How long closing the application waits for running iterations to finish. */
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the shutdown timeout.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException(
            "loopwork.shutdown.timeout must not be negative: " + timeout);
      }
      this.timeout = timeout;
    }
  }

  /** The {@code loopwork.health.*} properties. */
  public static class Health {
    /**
     * Failures in a row of a service's iterations on this instance from which the loopwork health
     * indicator is DOWN (0, the default: never for failing iterations alone).
     */
    private int maxConsecutiveFailures;

    /** Failures in a row from which health is DOWN; 0 for never. */
    public int getMaxConsecutiveFailures() {
      return maxConsecutiveFailures;
    }

    /**
     * Sets the failures in a row from which health is DOWN.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setMaxConsecutiveFailures(int maxConsecutiveFailures) {
      if (maxConsecutiveFailures < 0) {
        throw new IllegalArgumentException(
            "loopwork.health.max-consecutive-failures must not be negative: "
                + maxConsecutiveFailures);
      }
      this.maxConsecutiveFailures = maxConsecutiveFailures;
    }
  }

  /** The {@code loopwork.journal.*} properties, used when the application has a DataSource. */
  public static class Journal {
    /** How long the run journal (loopwork_run) keeps an iteration before it is pruned. */
    private Duration retention =
        Duration.ofDays(7); // JdbcLoopRuntime's default, as the metadata shows it

    /** How long the run journal keeps an iteration before it is pruned. */
    public Duration getRetention() {
      return retention;
    }

    /**
     * Sets the journal's retention.
     *
     * @throws IllegalArgumentException if not positive
     */
    public void setRetention(Duration retention) {
      if (retention == null || retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException(
            "loopwork.journal.retention must be positive: " + retention);
      }
      this.retention = retention;
    }
  }

  /** The {@code loopwork.coordination.*} properties, used when the application has a DataSource. */
  public static class Leases {
    /**
     * How long a lease lasts without renewal: a replica that dies hands its services over after
     * this long.
     */
    private Duration leaseTtl = Duration.ofSeconds(10);

    /** How often a replica looks for free leases; at most a third of the lease time-to-live. */
    private Duration pollInterval = Duration.ofMillis(200);

    /**
     * Whether transactions that Spring manages on the application's DataSource during an iteration
     * of an exclusive service commit only while this instance still holds the service's lease
     * (checked just before the commit).
     */
    private boolean fenceTransactions = true;

    /** Whether Spring-managed transactions in iterations are fenced. */
    public boolean isFenceTransactions() {
      return fenceTransactions;
    }

    /** Sets whether Spring-managed transactions in iterations are fenced. */
    public void setFenceTransactions(boolean fenceTransactions) {
      this.fenceTransactions = fenceTransactions;
    }

    /** How long a lease lasts without renewal. */
    public Duration getLeaseTtl() {
      return leaseTtl;
    }

    /** Sets the lease time-to-live (at least one second; checked when the runtime starts). */
    public void setLeaseTtl(Duration leaseTtl) {
      this.leaseTtl = leaseTtl;
    }

    /** How often a replica looks for free leases. */
    public Duration getPollInterval() {
      return pollInterval;
    }

    /** Sets how often a replica looks for free leases (checked when the runtime starts). */
    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }
  }

  /** The {@code loopwork.services.<name>.*} properties of one service. */
  public static class Service {
    /** Whether the service runs in this application. */
    private boolean enabled = true;

    /**
     * The interval between iteration starts; overrides the service's own interval or cron
     * expression. Not together with cron.
     */
    private Duration interval;

    /**
     * A cron expression (5 fields, 6 with the seconds first, or a macro such as @daily) whose fires
     * the iterations start at; overrides the service's own interval or cron expression, and drops
     * its initial delay and back-off, which belong to an interval. Not together with interval.
     */
    private String cron;

    /**
     * The time zone (an IANA id such as Europe/Berlin) in which the service's cron expression is
     * read; default: the zone of the service's own cron expression, else the JVM's default zone.
     * Only for a service that runs on a cron expression.
     */
    private String zone;

    /**
     * How late a missed fire of the service's cron expression may still run (once, however many
     * were missed); 0 skips missed fires. Overrides the service's own; default: one period of the
     * expression. Only for a service that runs on a cron expression.
     */
    private Duration misfireGrace;

    /**
     * How long one iteration may run before it is interrupted; overrides the one the service was
     * built with.
     */
    private Duration timeout;

    /** How replicas share the service: exclusive (default with a DataSource) or every-replica. */
    private Coordination coordination;

    /** Whether the service runs in this application. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the service runs in this application. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The interval override, or {@code null} for the service's own. */
    public Duration getInterval() {
      return interval;
    }

    /**
     * Sets the interval override.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setInterval(Duration interval) {
      if (interval != null && interval.isNegative()) {
        throw new IllegalArgumentException("interval must not be negative: " + interval);
      }
      this.interval = interval;
    }

    /** The cron expression override, or {@code null} for the service's own schedule. */
    public String getCron() {
      return cron;
    }

    /** Sets the cron expression override; checked when the services are registered. */
    public void setCron(String cron) {
      this.cron = cron;
    }

    /** The time zone override of the cron expression, or {@code null}. */
    public String getZone() {
      return zone;
    }

    /** Sets the time zone of the cron expression; checked when the services are registered. */
    public void setZone(String zone) {
      this.zone = zone;
    }

    /** The misfire grace override, or {@code null} for the service's own. */
    public Duration getMisfireGrace() {
      return misfireGrace;
    }

    /**
     * Sets the misfire grace override; whether the service runs on a cron expression is checked
     * when the services are registered.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setMisfireGrace(Duration misfireGrace) {
      if (misfireGrace != null && misfireGrace.isNegative()) {
        throw new IllegalArgumentException("misfire-grace must not be negative: " + misfireGrace);
      }
      this.misfireGrace = misfireGrace;
    }

    /** The iteration timeout override, or {@code null} for the service's own. */
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the iteration timeout override.
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public void setTimeout(Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
    }

    /** The coordination, or {@code null} for the default. */
    public Coordination getCoordination() {
      return coordination;
    }

    /** Sets the coordination. */
    public void setCoordination(Coordination coordination) {
      this.coordination = coordination;
    }
  }
}
