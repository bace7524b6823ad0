package dev.loopwork.jdbc;

/** The service controls and the schema upgrade on PostgreSQL. */
class PostgresServiceControlsIT extends ServiceControlsContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }
}
