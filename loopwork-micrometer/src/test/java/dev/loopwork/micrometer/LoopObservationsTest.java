package dev.loopwork.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopService;
import dev.loopwork.test.LoopTesting;
import dev.loopwork.test.ManualClock;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;
import net.ttddyy.observation.tracing.DataSourceObservationListener;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: each iteration is an observation that Micrometer Tracing turns into a span, with the
 * iteration's JDBC calls (through an instrumented DataSource) as its children.
 */
class LoopObservationsTest {
  private final SimpleTracer tracer = new SimpleTracer();
  private final ObservationRegistry registry = ObservationRegistry.create();
  private final ManualClock clock = new ManualClock();
  private final LoopObservations observations = LoopObservations.of(registry, "replica-1");
  private final LoopEngine engine = LoopTesting.engine(clock, observations);
  private final DataSource database;
  private volatile boolean failing;

  LoopObservationsTest() {
    registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:observations;DB_CLOSE_DELAY=-1");
    database =
        ProxyDataSourceBuilder.create(h2)
            .listener(new DataSourceObservationListener(() -> registry))
            .build();
  }

  private final LoopService service =
      LoopService.of("write-rows", Duration.ofSeconds(1), this::writeRows);

  private void writeRows() {
    try (Connection connection = database.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT 1");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    if (failing) {
      throw new IllegalStateException("no rows to write");
    }
  }

  @Test
  void anIterationIsASpanWithItsJdbcCallsBeneathIt() {
    engine.start(service);

    SimpleSpan iteration = iterationSpans().get(0);
    assertThat(iteration.getName()).isEqualTo("write-rows");
    assertThat(iteration.getTags())
        .containsAllEntriesOf(
            Map.of(
                "service", "write-rows",
                "outcome", "SUCCESS",
                "exception", "none",
                "iteration", "1",
                "replica", "replica-1"));
    List<SimpleSpan> children =
        tracer.getSpans().stream()
            .filter(span -> iteration.getSpanId().equals(span.getParentId()))
            .toList();
    assertThat(children)
        .as("the JDBC spans of the iteration")
        .isNotEmpty()
        .extracting(SimpleSpan::getName)
        .anyMatch(name -> name.contains("query"));
    assertThat(children)
        .allSatisfy(child -> assertThat(child.getTraceId()).isEqualTo(iteration.getTraceId()));
  }

  @Test
  void aFailedIterationIsASpanWithItsError() {
    failing = true;
    engine.start(service);

    SimpleSpan iteration = iterationSpans().get(0);
    assertThat(iteration.getTags())
        .containsEntry("outcome", "FAILURE")
        .containsEntry("exception", "IllegalStateException");
    assertThat(iteration.getError()).hasMessage("no rows to write");
  }

  @Test
  void eachIterationIsASpanOfItsOwn() {
    engine.start(service);
    clock.advance(Duration.ofSeconds(2));

    assertThat(iterationSpans())
        .extracting(span -> span.getTags().get("iteration"))
        .containsExactly("1", "2", "3");
    assertThat(iterationSpans()).extracting(SimpleSpan::getTraceId).doesNotHaveDuplicates();
  }

  /**
   * Issue 18: an iteration skipped on purpose is a span of its own with the outcome SKIPPED and the
   * reason, and without an iteration number, since nothing ran.
   */
  @Test
  void aSkippedIterationIsASpanWithItsReason() {
    engine.start(service);
    observations.onIterationSkipped(service, "paused");

    SimpleSpan skip = iterationSpans().get(1);
    assertThat(skip.getName()).isEqualTo("write-rows");
    assertThat(skip.getTags())
        .containsEntry("outcome", "SKIPPED")
        .containsEntry("reason", "paused")
        .containsEntry("exception", "none")
        .containsEntry("replica", "replica-1")
        .doesNotContainKeys("iteration", "fencing.token");
    assertThat(skip.getError()).isNull();
    assertThat(skip.getParentId()).as("not beneath the iteration before it").isEmpty();
  }

  private List<SimpleSpan> iterationSpans() {
    return tracer.getSpans().stream()
        .filter(span -> span.getTags().containsKey("service"))
        .toList();
  }
}
