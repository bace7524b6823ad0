/**
 * Loopwork on a database: the schema, leases that run each service on one replica at a time, fenced
 * transactions, the run journal and shared service controls, on PostgreSQL, MariaDB and H2. Its SQL
 * dialects stay inside.
 */
module dev.loopwork.jdbc {
  requires transitive dev.loopwork.core;
  requires transitive java.sql;
  requires com.zaxxer.hikari;
  requires com.h2database;
  requires org.postgresql.jdbc;
  requires org.slf4j;

  exports dev.loopwork.jdbc;
}
