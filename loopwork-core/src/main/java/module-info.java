/**
 * Loopwork's engine: loop services, their options, runs and handles, and the clock and coordinator
 * SPIs that the other modules implement. Depends on SLF4J only. Its internals are open to {@code
 * dev.loopwork.jdbc} alone.
 */
module dev.loopwork.core {
  requires transitive org.slf4j;
  requires jdk.unsupported;

  exports dev.loopwork;
  exports dev.loopwork.internal to
      dev.loopwork.jdbc;
}
