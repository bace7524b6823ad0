/**
 * Micrometer meters for Loopwork's loop services (iterations, durations, overruns, failures, state
 * and leases) and an observation of every iteration.
 */
module dev.loopwork.micrometer {
  requires transitive dev.loopwork.core;
  requires transitive micrometer.core;
  requires transitive micrometer.observation;
  requires org.slf4j;

  exports dev.loopwork.micrometer;
}
