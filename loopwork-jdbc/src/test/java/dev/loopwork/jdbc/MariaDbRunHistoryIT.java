package dev.loopwork.jdbc;

/** The journal's reader on MariaDB. */
class MariaDbRunHistoryIT extends RunHistoryContract {
  @Override
  FreshDatabase createFresh() {
    return MariaDbDatabases.create();
  }
}
