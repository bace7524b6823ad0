package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Issue 16: two instances on one (H2) database run a {@code @LoopTask(cron)}; the owner closes
 * after a fire, and the instance that takes the lease runs each later fire once. (It ran the next
 * fire twice, milliseconds apart, when its deferred first fire was retried without the calendar's
 * check and the overrun rule then ran that slot's own fire.)
 */
class CronHandOverTest {
  /** Every iteration of either instance: the instance's number and when it ran. */
  static final List<Run> RUNS = new CopyOnWriteArrayList<>();

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  record Run(int instance, Instant at) {}

  static class Tick {
    final int instance = INSTANCES.incrementAndGet();

    @LoopTask(cron = "*/2 * * * * *")
    void tick() {
      RUNS.add(new Run(instance, Instant.now()));
    }
  }

  private final ApplicationContextRunner instance =
      StarterContexts.sharingOneH2("cron-hand-over").withBean(Tick.class);

  @Test
  void afterTheOwnerClosesTheOtherInstanceRunsEachFireOnce() {
    instance.run(
        first ->
            instance.run(
                second -> {
                  Duration wait = Duration.ofSeconds(15);
                  await().atMost(wait).until(() -> RUNS.size() >= 2);
                  int owner = RUNS.get(RUNS.size() - 1).instance();
                  AssertableApplicationContext closing =
                      first.getBean(Tick.class).instance == owner ? first : second;
                  int before = RUNS.size();
                  closing.close();
                  await()
                      .atMost(wait)
                      .until(
                          () ->
                              RUNS.stream().skip(before).filter(r -> r.instance() != owner).count()
                                  >= 3);
                  List<Run> after = List.copyOf(RUNS).subList(before, RUNS.size());
                  for (int i = 1; i < after.size(); i++) {
                    assertThat(Duration.between(after.get(i - 1).at(), after.get(i).at()))
                        .as("runs after the hand-over: %s", after)
                        .isGreaterThan(Duration.ofMillis(1000));
                  }
                }));
  }
}
