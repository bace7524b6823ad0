package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every peer adapter starts a few services that iterate, and after stopAll() none of them runs
 * again.
 */
class PeerSmokeTest {
  private static final int SERVICES = 5;

  static List<String> peers() {
    return Peers.ALL;
  }

  @ParameterizedTest
  @MethodSource("peers")
  void startsServicesThatIterateAndStopsThemAll(String id) {
    AtomicIntegerArray runs = new AtomicIntegerArray(SERVICES);
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrentPerService = new AtomicInteger();
    List<Runnable> bodies = new ArrayList<>();
    for (int i = 0; i < SERVICES; i++) {
      int service = i;
      AtomicInteger inside = new AtomicInteger();
      bodies.add(
          () -> {
            maxConcurrentPerService.accumulateAndGet(inside.incrementAndGet(), Math::max);
            concurrent.incrementAndGet();
            runs.incrementAndGet(service);
            inside.decrementAndGet();
          });
    }
    try (Peer peer = Peers.create(id)) {
      peer.start(bodies, Duration.ofMillis(20));
      await().atMost(Duration.ofSeconds(10)).until(() -> minimum(runs) >= 3);
      peer.stopAll();
      int afterStop = concurrent.get();

      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(concurrent.get()).isEqualTo(afterStop));
      assertThat(maxConcurrentPerService.get())
          .as("iterations of one service overlapped")
          .isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("peers")
  void canStartAgainAfterStopAll(String id) {
    AtomicInteger runs = new AtomicInteger();
    try (Peer peer = Peers.create(id)) {
      peer.start(List.of(runs::incrementAndGet), Duration.ofSeconds(1000));
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
      peer.stopAll();
      peer.start(List.of(runs::incrementAndGet), Duration.ofSeconds(1000));
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
      peer.stopAll();
    }
  }

  private static int minimum(AtomicIntegerArray values) {
    int min = Integer.MAX_VALUE;
    for (int i = 0; i < values.length(); i++) {
      min = Math.min(min, values.get(i));
    }
    return min;
  }
}
