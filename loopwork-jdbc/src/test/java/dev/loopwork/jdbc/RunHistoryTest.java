package dev.loopwork.jdbc;

/** The journal's reader on H2. */
class RunHistoryTest extends RunHistoryContract {
  @Override
  FreshDatabase createFresh() {
    return TestDatabases.h2Fresh();
  }
}
