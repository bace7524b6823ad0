package dev.loopwork.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Keeps out of the host's log the WARN, with a stack trace, that Jetty 12.1 logs when it releases a
 * connection's request buffer twice ({@code IllegalStateException: already released}, a race inside
 * Jetty on a connection that a client ends early, as in jetty/jetty.project#12939): the request is
 * answered or its connection closed as usual, so the line tells an operator nothing, and hostile
 * clients could fill the log with it. Every other line passes.
 */
public final class JettyDoubleReleaseFilter extends Filter<ILoggingEvent> {
  private static final String JETTY = "org.eclipse.jetty.";
  private static final String ALREADY_RELEASED = "already released";

  /** Denies Jetty's double-release line; neutral on every other. */
  @Override
  public FilterReply decide(ILoggingEvent event) {
    IThrowableProxy thrown = event.getThrowableProxy();
    boolean doubleRelease =
        event.getLoggerName().startsWith(JETTY)
            && thrown != null
            && IllegalStateException.class.getName().equals(thrown.getClassName())
            && thrown.getMessage() != null
            && thrown.getMessage().startsWith(ALREADY_RELEASED);
    return doubleRelease ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
