package dev.loopwork.cli;

import java.util.List;

/**
 * One live replica of the fleet, as {@code GET /api/replicas} shows it. Times are ISO-8601 instants
 * in UTC by the database's clock, or null when unknown.
 *
 * @param replica the replica's id, as the services' owners and the journal name it
 * @param host the machine it runs on
 * @param pid its process id, or null for a replica of an older Loopwork
 * @param started when it joined the fleet
 * @param lastHeartbeat its last heartbeat, or null for a replica of an older Loopwork
 * @param expires when it counts as gone without a further heartbeat
 * @param leases the services whose lease it holds now, in name order
 */
record ReplicaRow(
    String replica,
    String host,
    Long pid,
    String started,
    String lastHeartbeat,
    String expires,
    List<String> leases) {}
