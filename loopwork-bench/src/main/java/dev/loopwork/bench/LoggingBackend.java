package dev.loopwork.bench;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Names the SLF4J backend of this process as the results file records it: {@code logback, root
 * WARN} (the level this module's {@code logback.xml} sets), {@code slf4j-nop}, or the class of any
 * other logger factory.
 */
final class LoggingBackend {
  private LoggingBackend() {}

  /** The backend SLF4J bound to, with Logback's root level. */
  static String describe() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext logback) {
      return "logback, root " + logback.getLogger(Logger.ROOT_LOGGER_NAME).getLevel();
    }
    return factory instanceof NOPLoggerFactory ? "slf4j-nop" : factory.getClass().getName();
  }
}
