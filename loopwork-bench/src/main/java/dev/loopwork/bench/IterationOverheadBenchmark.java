package dev.loopwork.bench;

import dev.loopwork.LoopService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Iteration overhead: empty iterations per second with a zero interval (executor peers: their
 * smallest period, 1 ns). One operation starts one service, lets it run {@link #ITERATIONS}
 * iterations of a counting body, and stops it and waits; {@code loopwork-start-loops} is the
 * blocking {@code LoopService.start(loops)} path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(IterationOverheadBenchmark.ITERATIONS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IterationOverheadBenchmark {
  /** Iterations per operation: enough that starting and stopping weigh little. */
  public static final int ITERATIONS = 100_000;

  /** The blocking path of Loopwork, which no {@link Peer} models. */
  static final String LOOPWORK_START_LOOPS = "loopwork-start-loops";

  @Param({LOOPWORK_START_LOOPS, "loopwork", "executor", "spring", "guava-rate", "guava-delay"})
  String peer;

  private Peer instance;
  private LoopService blocking;

  /** Creates the peer, or for the blocking path the one service that every operation restarts. */
  @Setup(Level.Trial)
  public void setUp() {
    if (peer.equals(LOOPWORK_START_LOOPS)) {
      CountingBody body = new CountingBody(Long.MAX_VALUE);
      blocking = LoopService.of("empty", Duration.ZERO, body::run);
    } else {
      instance = Peers.create(peer);
    }
  }

  /** Runs {@link #ITERATIONS} iterations and waits until the service has stopped. */
  @Benchmark
  public void emptyIterations() throws InterruptedException {
    if (blocking != null) {
      blocking.start(ITERATIONS);
      return;
    }
    CountingBody body = new CountingBody(ITERATIONS);
    instance.start(List.of(body), Duration.ZERO);
    body.done.await();
    instance.stopAll();
  }

  /** Releases the peer's threads. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (instance != null) {
      instance.close();
    }
  }

  /** A near-empty body: counts its runs and opens a latch at the target. */
  static final class CountingBody implements Runnable {
    final CountDownLatch done = new CountDownLatch(1);
    private final long target;
    private long runs;

    CountingBody(long target) {
      this.target = target;
    }

    @Override
    public void run() {
      if (++runs == target) {
        done.countDown();
      }
    }
  }
}
