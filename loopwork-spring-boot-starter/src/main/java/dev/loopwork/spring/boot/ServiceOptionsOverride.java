package dev.loopwork.spring.boot;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.lang.reflect.Field;
import java.time.Duration;

/**
 * Gives a service bean the options it runs with under Spring: no signal handling of its own (Spring owns SIGTERM
 * and closes the context, which stops the services), plus the interval and timeout from the properties.
 *
 * <p>Why reflection: a service's options are fixed in its constructor and the engine reads them from the service,
 * so a bean built with the defaults would install Loopwork's signal relay, which takes SIGTERM away from Spring.
 * Until the core can start a service with options of the caller's choosing, the options field is replaced once,
 * before the first start, while nothing else reads it.
 */
final class ServiceOptionsOverride {
  private static final Field OPTIONS = optionsField();

  private ServiceOptionsOverride() {}

  /**
   * Makes {@code service} run without signal handling and with the overrides that are not {@code null}.
   *
   * @throws LoopworkConfigurationException if the options cannot be replaced in this JVM
   */
  static void apply(LoopService service, Duration interval, Duration timeout) {
    LoopOptions current = service.options();
    if (!current.handleSignals() && interval == null && timeout == null) {
      return;
    }
    LoopOptions.Builder wanted = current.toBuilder().handleSignals(false);
    if (interval != null) {
      wanted.loopInterval(interval);
    }
    if (timeout != null) {
      wanted.iterationTimeout(timeout);
    }
    if (OPTIONS == null) {
      throw new LoopworkConfigurationException("Cannot adjust the options of loop service " + service.name()
          + " in this JVM; build it with LoopOptions.builder().handleSignals(false) and without loopwork.services."
          + service.name() + ".interval/timeout properties");
    }
    try {
      OPTIONS.set(service, wanted.build());
    } catch (IllegalAccessException | RuntimeException e) {
      throw new LoopworkConfigurationException("Cannot adjust the options of loop service " + service.name()
          + "; build it with LoopOptions.builder().handleSignals(false)", e);
    }
  }

  private static Field optionsField() {
    try {
      Field field = LoopService.class.getDeclaredField("options");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException | RuntimeException e) {
      return null;
    }
  }
}
