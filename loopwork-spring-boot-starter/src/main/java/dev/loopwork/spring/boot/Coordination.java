package dev.loopwork.spring.boot;

/**
 * How the replicas of an application share a loop service: property {@code
 * loopwork.services.<name>.coordination}.
 */
public enum Coordination {
  /**
   * One replica at a time runs the service, through leases in the application's database (the
   * default).
   */
  EXCLUSIVE,
  /** Every replica runs the service on its own schedule, e.g. to clear a local cache. */
  EVERY_REPLICA
}
