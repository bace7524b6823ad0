package dev.loopwork.spring.boot;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;

/**
 * The options a service bean runs with under Spring: no signal handling of its own (Spring owns
 * SIGTERM and closes the context, which stops the services), plus the interval and timeout from
 * {@code loopwork.services.<name>.*}. Given to the engine with {@code LoopEngine.Builder.options},
 * so the service objects themselves are never changed.
 */
final class ServiceOptionsOverride {
  private final LoopworkProperties properties;

  ServiceOptionsOverride(LoopworkProperties properties) {
    this.properties = properties;
  }

  /** The options {@code service} runs with. */
  LoopOptions optionsOf(LoopService service) {
    LoopOptions.Builder options = service.options().toBuilder().handleSignals(false);
    properties
        .service(service.name())
        .ifPresent(
            settings -> {
              if (settings.getInterval() != null) {
                options.loopInterval(settings.getInterval());
              }
              if (settings.getTimeout() != null) {
                options.iterationTimeout(settings.getTimeout());
              }
            });
    return options.build();
  }
}
