package dev.loopwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a bean method as a loop service, as {@code @Scheduled(fixedRate = ...)} runs one as a task:
 * every {@link #interval()} from the previous start, with the application's lifecycle, under a
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
 * }
 * }</pre>
 *
 * <p>Every attribute takes {@code ${...}} placeholders; durations are written as Spring writes them
 * ({@code 30s}, {@code 500ms}, {@code 2m}, {@code PT30S}, or a number of milliseconds). The method
 * takes no parameter or one {@link LoopTaskContext}; what it returns is ignored, what it throws
 * fails the iteration (logged; the loop goes on). Properties {@code loopwork.services.<name>.*}
 * override what the annotation says. Methods of beans that are lazily initialized are not found.
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

  /** The interval between iteration starts (required), e.g. {@code 30s} or {@code ${...}}. */
  String interval();

  /**
   * How long after the application's start the first iteration is due; default: at once. The next
   * ones follow at the interval from it.
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
