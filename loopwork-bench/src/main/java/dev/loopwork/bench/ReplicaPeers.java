package dev.loopwork.bench;

import java.util.List;

/**
 * The replica peers by identifier, as the benchmark command line and the result files name them.
 */
public final class ReplicaPeers {
  /** Every replica peer, in the order of the table. */
  public static final List<String> ALL =
      List.of("loopwork", "loopwork-pgbouncer", "shedlock", "db-scheduler");

  private ReplicaPeers() {}

  /**
   * A new replica of the peer named {@code id}.
   *
   * @throws IllegalArgumentException if no replica peer has that identifier
   */
  public static ReplicaPeer create(String id) {
    switch (id) {
      case "loopwork":
        return new LoopworkReplicaPeer(false);
      case "loopwork-pgbouncer":
        return new LoopworkReplicaPeer(true);
      case "shedlock":
        return new ShedLockReplicaPeer();
      case "db-scheduler":
        return new DbSchedulerReplicaPeer();
      default:
        throw new IllegalArgumentException(
            "replica peer must be one of " + ALL + ": \"" + id + "\"");
    }
  }
}
