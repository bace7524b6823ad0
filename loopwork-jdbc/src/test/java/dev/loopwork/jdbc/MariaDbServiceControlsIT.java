package dev.loopwork.jdbc;

/** The service controls and the schema upgrade on MariaDB. */
class MariaDbServiceControlsIT extends ServiceControlsContract {
  @Override
  FreshDatabase createFresh() {
    return MariaDbDatabases.create();
  }
}
