package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host's log keeps out Jetty's WARN for a request buffer released twice (a race inside Jetty
 * that an admin fuzz run met once in CI), and nothing else.
 */
class JettyDoubleReleaseFilterTest {
  private final JettyDoubleReleaseFilter filter = new JettyDoubleReleaseFilter();

  @Test
  void jettysDoubleReleaseIsDenied() {
    assertThat(
            filter.decide(event("org.eclipse.jetty.util.thread.QueuedThreadPool", doubleRelease())))
        .isEqualTo(FilterReply.DENY);
  }

  @Test
  void everyOtherLinePasses() {
    String pool = "org.eclipse.jetty.util.thread.QueuedThreadPool";
    List<ILoggingEvent> others =
        List.of(
            event(pool, null),
            event(pool, new IllegalStateException("not started")),
            event(pool, new IllegalArgumentException("already released")),
            event("dev.loopwork.cli.Host", doubleRelease()));
    assertThat(others).allMatch(e -> filter.decide(e) == FilterReply.NEUTRAL);
  }

  /** Both log formats of the host attach the filter to the appender every line goes through. */
  @ParameterizedTest
  @ValueSource(strings = {"/logback.xml", "/dev/loopwork/cli/logback-json.xml"})
  void theHostsLogConfigurationsUseIt(String resource) throws JoranException {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(JettyDoubleReleaseFilterTest.class.getResource(resource));
    List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
    context
        .getLogger(Logger.ROOT_LOGGER_NAME)
        .iteratorForAppenders()
        .forEachRemaining(appenders::add);

    assertThat(appenders).isNotEmpty();
    for (Appender<ILoggingEvent> appender : appenders) {
      assertThat(appender.getCopyOfAttachedFiltersList())
          .as("filters of the appender %s in %s", appender.getName(), resource)
          .hasAtLeastOneElementOfType(JettyDoubleReleaseFilter.class);
    }
    context.stop();
  }

  private static IllegalStateException doubleRelease() {
    return new IllegalStateException(
        "already released oeji.Retainable$ReferenceCounter@44aaf666[rc=0]");
  }

  private static ILoggingEvent event(String logger, Throwable thrown) {
    LoggerContext context = new LoggerContext();
    return new LoggingEvent(
        Logger.class.getName(), context.getLogger(logger), Level.WARN, "Job failed", thrown, null);
  }
}
