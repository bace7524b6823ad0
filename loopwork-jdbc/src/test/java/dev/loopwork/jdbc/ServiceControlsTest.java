package dev.loopwork.jdbc;

/** The service controls and the schema upgrade on H2. */
class ServiceControlsTest extends ServiceControlsContract {
  @Override
  FreshDatabase createFresh() {
    return TestDatabases.h2Fresh();
  }
}
