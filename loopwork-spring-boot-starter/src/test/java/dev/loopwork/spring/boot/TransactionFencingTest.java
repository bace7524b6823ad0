package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loopwork.IterationOutcome;
import dev.loopwork.IterationResult;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 13: a transaction that Spring manages on the application's DataSource during an iteration
 * of an exclusive service commits only while the instance holds the service's lease. The lease is
 * taken by another instance (written into the table) while the third iteration's transaction runs:
 * that transaction rolls back and the iteration ends as LEASE_LOST. With {@code
 * loopwork.coordination.fence-transactions=false} the same transaction commits.
 */
class TransactionFencingTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ApplicationContextRunner application =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  DataSourceTransactionManagerAutoConfiguration.class,
                  TransactionManagerCustomizationAutoConfiguration.class,
                  LoopworkAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=jdbc:h2:mem:fencing-"
                  + UUID.randomUUID()
                  + ";DB_CLOSE_DELAY=-1",
              "loopwork.coordination.lease-ttl=2s")
          .withBean(Outcomes.class)
          .withBean(Writer.class);

  @Test
  void aSpringTransactionRollsBackOnceTheLeaseIsTaken() {
    application.run(
        context -> {
          awaitThreeIterations(context);
          assertThat(List.copyOf(context.getBean(Outcomes.class).outcomes).subList(0, 3))
              .containsExactly(
                  IterationOutcome.SUCCEEDED,
                  IterationOutcome.SUCCEEDED,
                  IterationOutcome.LEASE_LOST);
          assertThat(rows(context)).containsExactly(1, 2);
        });
  }

  @Test
  void withFencingOffTheSameTransactionCommits() {
    application
        .withPropertyValues("loopwork.coordination.fence-transactions=false")
        .run(
            context -> {
              awaitThreeIterations(context);
              assertThat(List.copyOf(context.getBean(Outcomes.class).outcomes).subList(0, 3))
                  .containsOnly(IterationOutcome.SUCCEEDED);
              assertThat(rows(context)).containsExactly(1, 2, 3);
            });
  }

  private static void awaitThreeIterations(AssertableApplicationContext context) {
    assertThat(context).hasNotFailed();
    await().atMost(WAIT).until(() -> context.getBean(Outcomes.class).outcomes.size() >= 3);
  }

  private static List<Integer> rows(AssertableApplicationContext context) {
    return new JdbcTemplate(context.getBean(DataSource.class))
        .queryForList("SELECT iteration FROM fenced_row ORDER BY iteration", Integer.class);
  }

  /** The outcomes of the writer's iterations, in order. */
  static final class Outcomes implements LoopListener {
    final List<IterationOutcome> outcomes = new CopyOnWriteArrayList<>();

    @Override
    public void onIterationEnd(LoopService service, IterationResult result) {
      if (service.name().equals("writer")) {
        outcomes.add(result.outcome());
      }
    }
  }

  /**
   * Inserts its iteration's number in a Spring transaction; the lease is taken during the third.
   */
  static final class Writer extends LoopService {
    private final TransactionTemplate transactions;
    private final JdbcTemplate jdbc;
    private int iteration;

    Writer(PlatformTransactionManager transactionManager, DataSource dataSource) {
      super(Duration.ofMillis(100));
      this.transactions = new TransactionTemplate(transactionManager);
      this.jdbc = new JdbcTemplate(dataSource);
      jdbc.execute("CREATE TABLE IF NOT EXISTS fenced_row (iteration INT NOT NULL)");
    }

    @Override
    public String name() {
      return "writer";
    }

    @Override
    protected void runOnce() {
      int number = ++iteration;
      if (number > 3) {
        return;
      }
      transactions.executeWithoutResult(
          status -> {
            jdbc.update("INSERT INTO fenced_row VALUES (?)", number);
            if (number == 3) {
              // Another instance takes the lease while this transaction runs (on a thread, so a
              // connection, of its own).
              Thread other =
                  new Thread(
                      () ->
                          jdbc.update(
                              "UPDATE loopwork_lease SET owner = 'other', fencing_token = "
                                  + "fencing_token + 1, expires_ms = 9999999999999 WHERE service = 'writer'"));
              other.start();
              try {
                other.join();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
    }
  }
}
