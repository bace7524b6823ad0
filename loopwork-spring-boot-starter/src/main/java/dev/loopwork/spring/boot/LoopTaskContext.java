package dev.loopwork.spring.boot;

import java.util.OptionalLong;

/** What a {@link LoopTask} method may take as its parameter: the iteration it runs in. */
public interface LoopTaskContext {
  /** The service's name. */
  String serviceName();

  /** The iteration's number in this run of the service, from 1. */
  long iteration();

  /**
   * The iteration's fencing token when the service runs under a lease (with a DataSource): it grows
   * every time the service changes instance. Empty otherwise. Pass it with writes outside the
   * application's database so that a stale owner's writes can be told apart; writes in a Spring
   * transaction on the application's DataSource are fenced already.
   */
  OptionalLong fencingToken();
}
