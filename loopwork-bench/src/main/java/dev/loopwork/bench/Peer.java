package dev.loopwork.bench;

import java.time.Duration;
import java.util.List;

/**
 * One scheduler under test, seen through the only two operations every benchmark needs: start a
 * group of periodic services, and stop them all and wait. An instance lives for one benchmark
 * process and may start and stop many groups one after another; {@link #close()} releases its
 * threads at the end.
 *
 * <p>Every implementation guarantees what the measurements rely on: the iterations of one service
 * never overlap and each sees what the previous one wrote; after {@link #stopAll()} returns no
 * iteration runs and none will.
 */
public interface Peer extends AutoCloseable {

  /** The peer's identifier in results and tables, e.g. {@code executor}. */
  String id();

  /**
   * Starts one service per body, each running its body every {@code interval} from now (first run
   * at once). A zero interval asks for back-to-back runs; peers that reject it use their smallest
   * period.
   *
   * @throws IllegalArgumentException if more bodies are given than {@link #maxServices()}
   */
  void start(List<Runnable> bodies, Duration interval);

  /**
   * Stops every service started since the last call and returns once no iteration runs and none
   * will.
   */
  void stopAll();

  /** The most services this peer may start in one benchmark process; see {@link #limitReason()}. */
  default int maxServices() {
    return Integer.MAX_VALUE;
  }

  /** Why {@link #maxServices()} is bounded, or an empty string when it is not. */
  default String limitReason() {
    return "";
  }

  /**
   * Prefixes of the names of the threads this peer runs its timers and iterations on (for wake-up
   * counting).
   */
  List<String> threadNamePrefixes();

  /** Releases the peer's threads; idempotent. */
  @Override
  void close();
}
