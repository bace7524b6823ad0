package dev.loopwork;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Captures what one logger (and its children) writes, for assertions on log output. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender =
      new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
          event.prepareForDeferredProcessing(); // keep the MDC of the thread that logged
          super.append(event);
        }
      };

  private LogCapture(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts capturing everything under {@code loggerName} at DEBUG and above. */
  public static LogCapture of(String loggerName) {
    return new LogCapture(loggerName);
  }

  /** Starts capturing the log of loop services (every service's logger). */
  public static LogCapture services() {
    return of("loopwork.services");
  }

  /** The events captured so far. */
  public List<ILoggingEvent> events() {
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  /** The formatted messages captured at {@code level}. */
  public List<String> messages(Level level) {
    return events().stream()
        .filter(e -> e.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
