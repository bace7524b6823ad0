package dev.loopwork.cli;

import dev.loopwork.LoopOptions;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration section of a {@code class} service, handed to its constructor. A plugin service
 * has a public constructor that takes one, passes {@link #options()} to its super constructor and
 * returns {@link #name()} from {@code name()}:
 *
 * <pre>{@code
 * public final class Heartbeat extends LoopService {
 *   private final ServiceSection section;
 *
 *   public Heartbeat(ServiceSection section) {
 *     super(section.options());
 *     this.section = section;
 *   }
 *
 *   @Override public String name() { return section.name(); }
 *
 *   @Override protected void runOnce() {
 *     logger().info("still here: {}", section.settings().get("message"));
 *   }
 * }
 * }</pre>
 *
 * <p>A plugin that extends {@code dev.loopwork.jdbc.JdbcLoopService} works on the host's database.
 * Immutable.
 */
public final class ServiceSection {
  private final String name;
  private final LoopOptions options;
  private final Map<String, Object> settings;

  ServiceSection(String name, LoopOptions options, Map<String, Object> settings) {
    this.name = Objects.requireNonNull(name, "name");
    this.options = Objects.requireNonNull(options, "options");
    this.settings = Map.copyOf(settings);
  }

  /** The service's name: its key under {@code services} in the configuration. */
  public String name() {
    return name;
  }

  /**
   * The schedule (an interval, or a cron expression in its zone with its misfire grace) and the
   * timeout of the configuration; signals are handled by the host, not by the service.
   */
  public LoopOptions options() {
    return options;
  }

  /**
   * The {@code settings} mapping of the section, with {@code ${env:NAME}} resolved: strings,
   * numbers, booleans, lists and maps as YAML gives them. Empty when there is none.
   */
  public Map<String, Object> settings() {
    return settings;
  }

  @Override
  public String toString() {
    return "ServiceSection[" + name + ", " + options + ", settings " + settings.keySet() + "]";
  }
}
