package dev.loopwork.jdbc;

/** The journal's reader on PostgreSQL. */
class PostgresRunHistoryIT extends RunHistoryContract {
  @Override
  FreshDatabase createFresh() {
    return PostgresDatabases.create();
  }
}
