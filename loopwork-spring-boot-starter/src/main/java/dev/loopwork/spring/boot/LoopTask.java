package dev.loopwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a bean method as a loop service, as {@code @Scheduled(fixedRate = ...)} or
 * {@code @Scheduled(cron = ...)} runs one as a task: every {@link #interval()} from the previous
 * start, or at each fire of a {@link #cron()} expression, with the application's lifecycle, under a
 * lease when the application has a DataSource (one instance at a time runs it), in the endpoint,
 * the metrics and the journal like any {@link dev.loopwork.LoopService} bean.
 *
 * <pre>{@code
 * @Component
 * class Sessions {
 *   @LoopTask(interval = "${sessions.expire-every:30s}", initialDelay = "10s")
 *   void expire(LoopTaskContext iteration) {
 *     jdbc.update("DELETE FROM sessions WHERE expires_at < now()");
 *   }
 *
 *   @LoopTask(cron = "0 3 * * *", zone = "Europe/Berlin")
 *   void rebuildStatistics() { ... }
 * }
 * }</pre>
 *
 * <p>Exactly one of {@link #interval()} and {@link #cron()} is given (after its placeholders are
 * resolved, so {@code interval = "${x.every:}", cron = "${x.cron:}"} lets the configuration
 * choose). Every attribute takes {@code ${...}} placeholders; durations are written as Spring
 * writes them ({@code 30s}, {@code 500ms}, {@code 2m}, {@code PT30S}, or a number of milliseconds).
 * The method takes no parameter or one {@link LoopTaskContext}; what it returns is ignored, what it
 * throws fails the iteration (logged; the loop goes on). Properties {@code
 * loopwork.services.<name>.*} override what the annotation says. Methods of beans that are lazily
 * initialized are not found. A bad attribute stops the application's start with a {@link
 * LoopworkConfigurationException} that names the bean, the method, the attribute and what is wrong
 * with it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LoopTask {
  /**
   * The service's name: the key of {@code loopwork.services.<name>}, its lease and its metrics.
   * Default: the method's name. Must be unique in the application.
   */
  String name() default "";

  /**
   * The interval between iteration starts, e.g. {@code 30s} or {@code ${...}}; exactly one of it
   * and {@link #cron()} is given.
   */
  String interval() default "";

  /**
   * A cron expression whose fires the iterations start at, instead of an {@link #interval()}: five
   * fields ({@code minute hour day-of-month month day-of-week}, e.g. {@code 0 3 * * *}), six with
   * the seconds first as {@code @Scheduled} writes them ({@code 0 0 3 * * *}), or a macro (<code>
   * &#64;hourly</code>, <code>&#64;daily</code>, <code>&#64;weekly</code>, <code>&#64;monthly
   * </code>, <code>&#64;yearly</code>); read in {@link #zone()}. The syntax and the daylight-saving
   * rules are those of loopwork-cron's {@code CronSchedule}: each wall-clock time runs once, a time
   * skipped by a spring-forward change at the first instant after the gap, a repeated one at its
   * first occurrence. Not with {@link #initialDelay()}.
   */
  String cron() default "";

  /**
   * The time zone in which {@link #cron()} is read, an IANA id such as {@code Europe/Berlin}; only
   * with a cron. Default: the JVM's default zone ({@link java.time.ZoneId#systemDefault()}, read
   * when the application starts), as for {@code @Scheduled(cron)}.
   */
  String zone() default "";

  /**
   * How late a missed fire of the {@link #cron()} may still run (once, however many were missed),
   * e.g. {@code 30m}; {@code 0} skips missed fires. Default: one period of the expression (see
   * {@code LoopOptions.Builder.misfireGrace}). Only with a cron.
   */
  String misfireGrace() default "";

  /**
   * How long after the application's start the first iteration is due; default: at once. The next
   * ones follow at the interval from it. Only with an {@link #interval()}: a cron task's first
   * iteration is its first fire.
   */
  String initialDelay() default "";

  /**
   * How long one iteration may run before it is interrupted and counted as failed; default: no
   * limit.
   */
  String timeout() default "";

  /**
   * {@code exclusive} (one instance at a time, the default with a DataSource) or {@code
   * every-replica} (every instance on its own schedule, the default without); default: the
   * application's default.
   */
  String coordination() default "";
}
