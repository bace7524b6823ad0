package dev.loopwork.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures what a peer logs at WARN and above while a scenario runs: through SLF4J/Logback
 * (Loopwork, Spring) and through java.util.logging (Guava).
 */
final class LogCapture implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final List<String> julMessages = new ArrayList<>();
  private final ch.qos.logback.classic.Logger root =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
  private final Handler julHandler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
            synchronized (julMessages) {
              julMessages.add(
                  record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage());
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  LogCapture() {
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
    julRoot.addHandler(julHandler);
  }

  /** The captured lines, {@code LEVEL logger: message}, SLF4J ones first. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
        lines.add(e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage());
      }
    }
    synchronized (julMessages) {
      lines.addAll(julMessages);
    }
    return lines;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    julRoot.removeHandler(julHandler);
  }
}
