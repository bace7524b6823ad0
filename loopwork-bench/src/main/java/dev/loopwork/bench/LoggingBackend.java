package dev.loopwork.bench;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.joran.util.ConfigurationWatchListUtil;
import java.net.URL;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Names the SLF4J backend of this process as the results file records it: {@code logback, root
 * WARN, loopwork-bench-logback.xml} (the level and the file of this module's configuration), {@code
 * slf4j-nop}, or the class of any other logger factory.
 */
final class LoggingBackend {
  /** This module's Logback configuration, a class path resource. */
  static final String CONFIG = "loopwork-bench-logback.xml";

  private LoggingBackend() {}

  /** The backend SLF4J bound to, with Logback's root level and the file it was configured from. */
  static String describe() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext logback) {
      URL config = ConfigurationWatchListUtil.getMainWatchURL(logback);
      String file = config == null ? "no file" : config.getPath().replaceAll(".*[/!]", "");
      return "logback, root " + logback.getLogger(Logger.ROOT_LOGGER_NAME).getLevel() + ", " + file;
    }
    return factory instanceof NOPLoggerFactory ? "slf4j-nop" : factory.getClass().getName();
  }
}
