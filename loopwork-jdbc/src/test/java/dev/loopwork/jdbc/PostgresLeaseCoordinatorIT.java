package dev.loopwork.jdbc;

/** The lease contract on a real PostgreSQL server. */
class PostgresLeaseCoordinatorIT extends ServerLeaseCoordinatorContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }
}
