/**
 * The {@code loopwork} host: runs the sql and class services of a configuration file against a
 * database, with its command line, admin API and dashboard. An application rather than a library:
 * it exports its one package for {@link dev.loopwork.cli.ServiceSection}, the configuration that a
 * class service's constructor receives, and {@link dev.loopwork.cli.LoopworkCommand}, the entry
 * point; everything else in it is package-private.
 */
module dev.loopwork.cli {
  requires dev.loopwork.core;
  requires dev.loopwork.cron;
  requires dev.loopwork.jdbc;
  requires dev.loopwork.micrometer;
  requires micrometer.registry.prometheus;
  requires micrometer.observation;
  requires micrometer.tracing;
  requires micrometer.tracing.bridge.otel;
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.common;
  requires io.opentelemetry.sdk.trace;
  requires io.opentelemetry.exporter.otlp;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.http;
  requires org.eclipse.jetty.io;
  requires org.eclipse.jetty.util;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.slf4j;
  requires ch.qos.logback.classic;
  requires ch.qos.logback.core;
  requires java.sql;

  exports dev.loopwork.cli;

  // JDBC drivers in the plugins folder's jars.
  uses java.sql.Driver;

  // picocli reads the commands' annotated fields and methods reflectively.
  opens dev.loopwork.cli to
      info.picocli;
}
