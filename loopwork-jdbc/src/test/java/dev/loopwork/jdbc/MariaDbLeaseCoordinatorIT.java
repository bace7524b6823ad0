package dev.loopwork.jdbc;

/** The lease contract on MariaDB. */
class MariaDbLeaseCoordinatorIT extends ServerLeaseCoordinatorContract {
  @Override
  FreshDatabase createFresh() {
    return MariaDbDatabases.create();
  }
}
