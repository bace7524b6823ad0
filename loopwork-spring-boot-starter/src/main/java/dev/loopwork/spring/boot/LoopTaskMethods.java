package dev.loopwork.spring.boot;

import dev.loopwork.LoopOptions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.StringValueResolver;

/**
 * Finds the {@link LoopTask} methods of the application's beans, as Spring finds {@code @Scheduled}
 * ones (after each bean's initialization, on its proxy if it has one), and hands them to {@link
 * LoopworkServices} as services once every singleton exists, before the services start.
 */
final class LoopTaskMethods
    implements BeanPostProcessor,
        EmbeddedValueResolverAware,
        BeanFactoryAware,
        SmartInitializingSingleton {
  private final List<MethodLoopService> found = new ArrayList<>();
  private StringValueResolver placeholders;
  private BeanFactory beanFactory;

  @Override
  public void setEmbeddedValueResolver(StringValueResolver resolver) {
    this.placeholders = resolver;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    Class<?> type = AopUtils.getTargetClass(bean);
    Map<Method, LoopTask> methods =
        MethodIntrospector.selectMethods(
            type,
            (MethodIntrospector.MetadataLookup<LoopTask>)
                method -> AnnotatedElementUtils.findMergedAnnotation(method, LoopTask.class));
    methods.forEach((method, task) -> found.add(service(bean, beanName, method, task)));
    return bean;
  }

  @Override
  public void afterSingletonsInstantiated() {
    if (!found.isEmpty()) {
      beanFactory.getBean(LoopworkServices.class).register(found);
    }
  }

  /** The service that runs {@code method} of {@code bean} as {@code task} says. */
  private MethodLoopService service(Object bean, String beanName, Method method, LoopTask task) {
    Where where = new Where(beanName, method);
    Class<?>[] parameters = method.getParameterTypes();
    boolean takesContext = parameters.length == 1 && parameters[0] == LoopTaskContext.class;
    if (parameters.length > 1 || (parameters.length == 1 && !takesContext)) {
      throw where.error(
          "the method must take no parameter or one LoopTaskContext, not "
              + List.of(parameters).stream().map(Class::getSimpleName).toList());
    }
    if (Modifier.isStatic(method.getModifiers())) {
      throw where.error("the method must not be static");
    }
    String name = resolve(task.name());
    LoopOptions.Builder options = LoopOptions.builder().handleSignals(false);
    schedule(where, task, options);
    Duration initialDelay = duration(where, "initialDelay", task.initialDelay());
    Duration timeout = duration(where, "timeout", task.timeout());
    try {
      if (initialDelay != null) {
        options.initialDelay(initialDelay);
      }
      if (timeout != null) {
        options.iterationTimeout(timeout);
      }
    } catch (IllegalArgumentException e) {
      throw where.error(e.getMessage());
    }
    return new MethodLoopService(
        name.isEmpty() ? method.getName() : name,
        options.build(),
        coordination(where, task.coordination()),
        bean,
        AopUtils.selectInvocableMethod(method, bean.getClass()),
        takesContext);
  }

  private String resolve(String value) {
    String resolved = placeholders != null ? placeholders.resolveStringValue(value) : value;
    return resolved == null ? "" : resolved.trim();
  }

  /**
   * Sets the interval or the cron schedule of {@code task} on {@code options}: exactly one of them,
   * the zone and the misfire grace only with a cron, no initial delay with a cron.
   */
  private void schedule(Where where, LoopTask task, LoopOptions.Builder options) {
    String interval = resolve(task.interval());
    String cron = resolve(task.cron());
    String zone = resolve(task.zone());
    String misfireGrace = resolve(task.misfireGrace());
    if (interval.isEmpty() == cron.isEmpty()) {
      throw where.error(
          interval.isEmpty()
              ? "give one of interval and cron; neither is given"
                  + shownAs("interval", task.interval())
                  + shownAs("cron", task.cron())
              : "give one of interval and cron, not both: interval \""
                  + interval
                  + "\", cron \""
                  + cron
                  + "\"");
    }
    if (cron.isEmpty()) {
      requireCron(where, "zone", zone, task.zone());
      requireCron(where, "misfireGrace", misfireGrace, task.misfireGrace());
      options.loopInterval(duration(where, "interval", task.interval()));
      return;
    }
    if (!resolve(task.initialDelay()).isEmpty()) {
      throw where.error(
          "initialDelay applies to an interval, not to a cron (the first iteration is the first"
              + " fire): initialDelay \""
              + resolve(task.initialDelay())
              + "\", cron \""
              + cron
              + "\"");
    }
    try {
      ZoneId zoneId =
          zone.isEmpty()
              ? ZoneId.systemDefault()
              : CronSettings.zone(zone, "zone \"" + zone + "\"" + shownAs(task.zone()));
      options.schedule(
          CronSettings.schedule(cron, zoneId, "cron \"" + cron + "\"" + shownAs(task.cron())));
    } catch (IllegalArgumentException e) {
      throw where.error(e.getMessage());
    }
    options.misfireGrace(duration(where, "misfireGrace", task.misfireGrace()));
  }

  /**
   * Refuses {@code attribute}, resolved to {@code resolved} from {@code written}, on a task without
   * a cron.
   */
  private static void requireCron(Where where, String attribute, String resolved, String written) {
    if (!resolved.isEmpty()) {
      throw where.error(
          attribute
              + " \""
              + resolved
              + "\""
              + shownAs(written)
              + " applies to a cron, and none is given");
    }
  }

  /** The duration written {@code value}, or {@code null} if it is empty once resolved. */
  private Duration duration(Where where, String attribute, String value) {
    String resolved = resolve(value);
    if (resolved.isEmpty()) {
      return null;
    }
    Duration duration;
    try {
      duration = DurationStyle.detectAndParse(resolved);
    } catch (IllegalArgumentException e) {
      throw where.error(
          attribute
              + " \""
              + resolved
              + "\""
              + shownAs(value)
              + " is not a duration (write it as 30s, 500ms, 2m, PT30S or a number of milliseconds)");
    }
    if (duration.isNegative()) {
      throw where.error(attribute + " must not be negative: " + resolved);
    }
    return duration;
  }

  private static String shownAs(String written) {
    return written.contains("${") ? " (written \"" + written + "\")" : "";
  }

  private static String shownAs(String attribute, String written) {
    return written.contains("${") ? " (" + attribute + " written \"" + written + "\")" : "";
  }

  private Coordination coordination(Where where, String value) {
    String resolved = resolve(value);
    if (resolved.isEmpty()) {
      return null;
    }
    String constant = resolved.toUpperCase(Locale.ROOT).replace('-', '_');
    for (Coordination coordination : Coordination.values()) {
      if (coordination.name().equals(constant)) {
        return coordination;
      }
    }
    throw where.error(
        "coordination \""
            + resolved
            + "\""
            + shownAs(value)
            + " is not one of exclusive, every-replica");
  }

  /** The method an error is about. */
  private record Where(String beanName, Method method) {
    LoopworkConfigurationException error(String problem) {
      return new LoopworkConfigurationException(
          "@LoopTask on "
              + method.getDeclaringClass().getSimpleName()
              + "."
              + method.getName()
              + "() of bean '"
              + beanName
              + "': "
              + problem);
    }
  }
}
