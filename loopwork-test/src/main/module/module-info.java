/** Test support for Loopwork users: a manual clock and an engine that runs services on it, without threads. */
module dev.loopwork.test {
  requires transitive dev.loopwork.core;

  exports dev.loopwork.test;
}
