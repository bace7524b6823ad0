package dev.loopwork.example;

import dev.loopwork.LoopService;
import java.time.Duration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A loop service that ends with a fatal error once {@link #trip()} was called: it then stays
 * FAILED.
 */
class Tripwire extends LoopService {
  private volatile boolean tripped;

  Tripwire() {
    super(Duration.ofMillis(50));
  }

  @Override
  public String name() {
    return "tripwire";
  }

  void trip() {
    tripped = true;
  }

  void reset() {
    tripped = false;
  }

  @Override
  protected void runOnce() {
    if (tripped) {
      throw new TrippedError();
    }
  }

  /** The fatal error that ends the tripwire's loop. */
  static final class TrippedError extends Error {
    private static final long serialVersionUID = 1L;

    TrippedError() {
      super("tripped by the test");
    }
  }

  /** Adds the tripwire to the example application. */
  @TestConfiguration(proxyBeanMethods = false)
  static class Config {
    @Bean
    Tripwire tripwire() {
      return new Tripwire();
    }
  }
}
