/**
 * Micrometer meters for Loopwork's loop services: iterations, durations, overruns, failures, state
 * and leases.
 */
module dev.loopwork.micrometer {
  requires transitive dev.loopwork.core;
  requires transitive micrometer.core;
  requires org.slf4j;

  exports dev.loopwork.micrometer;
}
