/**
 * Loopwork for Spring Boot: every {@code LoopService} bean runs with the application, on the
 * application's database when there is one, with properties, health, metrics and an actuator
 * endpoint. Spring creates and reads its configuration classes reflectively, so the package is open
 * to it.
 */
module dev.loopwork.spring.boot {
  requires transitive dev.loopwork.core;
  requires transitive dev.loopwork.jdbc;
  requires dev.loopwork.cron;
  requires dev.loopwork.micrometer;
  requires micrometer.core;
  requires org.slf4j;
  requires java.sql;
  requires spring.aop;
  requires spring.beans;
  requires spring.context;
  requires spring.core;
  requires spring.jdbc;
  requires spring.tx;
  requires spring.boot;
  requires spring.boot.autoconfigure;
  requires spring.boot.actuator;
  requires spring.boot.actuator.autoconfigure;
  requires spring.boot.health;

  exports dev.loopwork.spring.boot;

  opens dev.loopwork.spring.boot to
      spring.core,
      spring.beans,
      spring.context;
}
