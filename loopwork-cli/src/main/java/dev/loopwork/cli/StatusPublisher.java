package dev.loopwork.cli;

import java.util.HashSet;
import java.util.Set;

/**
 * Each round of the replica's control sync: publishes this replica's {@link StatusBoard} to the
 * status table and reads which leases it holds, for the leases gauge. Thread-safe.
 */
final class StatusPublisher implements Runnable {
  private final String replica;
  private final StatusBoard board;
  private final StatusTable status;
  private volatile Set<String> heldLeases = Set.of();

  StatusPublisher(String replica, StatusBoard board, StatusTable status) {
    this.replica = replica;
    this.board = board;
    this.status = status;
  }

  @Override
  public void run() {
    heldLeases = new HashSet<>(status.leasesOf(replica));
    status.publish(replica, board.snapshot());
  }

  /**
   * Whether this replica held the lease of {@code service} at the last round: 1 or 0, for the
   * leases gauge.
   */
  int leaseHeld(String service) {
    return heldLeases.contains(service) ? 1 : 0;
  }
}
