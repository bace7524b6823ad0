package dev.loopwork.bench;

import java.util.List;

/** The peers by identifier, as the benchmark command line and the result files name them. */
public final class Peers {
  /** Every peer, in the order of the tables. */
  public static final List<String> ALL =
      List.of("loopwork", "executor", "spring", "guava-rate", "guava-delay");

  /**
   * Loopwork with a virtual thread per iteration: Java 21 and later only, so not in {@link #ALL}.
   */
  public static final String LOOPWORK_VIRTUAL = "loopwork-virtual";

  private Peers() {}

  /**
   * A new instance of the peer named {@code id}.
   *
   * @throws IllegalArgumentException if no peer has that identifier
   */
  public static Peer create(String id) {
    switch (id) {
      case "loopwork":
        return new LoopworkPeer();
      case LOOPWORK_VIRTUAL:
        return LoopworkPeer.onVirtualThreads();
      case "executor":
        return new ExecutorPeer();
      case "spring":
        return new SpringSchedulerPeer();
      case "guava-rate":
        return new GuavaServicePeer(true);
      case "guava-delay":
        return new GuavaServicePeer(false);
      default:
        throw new IllegalArgumentException("peer must be one of " + ALL + ": \"" + id + "\"");
    }
  }
}
