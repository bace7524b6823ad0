package dev.loopwork.cli;

import java.util.List;

/**
 * One service across the fleet, as {@code loopwork services ls} and {@code GET /api/services} show
 * it. Times are ISO-8601 instants in UTC, or null when unknown.
 *
 * @param name the service's name
 * @param kind {@code sql}, {@code class} or {@code built-in}
 * @param enabled whether it is enabled on at least one live replica
 * @param paused whether it is paused fleet-wide
 * @param interval its interval, e.g. {@code 30s}; null for a cron service
 * @param intervalMs its interval in milliseconds, or for a cron service one period of its
 *     expression (the shortest time between two fires), for charts
 * @param cron its cron expression, e.g. {@code 0 3 * * *}; null for an interval service
 * @param zone the time zone of its cron expression, e.g. {@code Europe/Berlin}; null for an
 *     interval service
 * @param schedule its schedule in words: {@code every 30s} or {@code cron 0 3 * * *
 *     (Europe/Berlin)}
 * @param coordination {@code exclusive} or {@code every-replica}
 * @param state its lifecycle state on the replica that ran it last (or on any replica)
 * @param owner the replica that holds its lease (exclusive), the replicas that run it
 *     (every-replica), or null
 * @param replicas the live replicas that have it enabled
 * @param lastStart when the last iteration started, anywhere
 * @param lastOutcome how it ended: SUCCEEDED, FAILED, TIMED_OUT or LEASE_LOST
 * @param lastDurationMs how long it took, in milliseconds
 * @param nextRun when the next iteration is due (for a cron service, its next fire); null while
 *     paused
 * @param failuresInRow failures in a row on the replica that ran it last
 * @param iterations iterations since the replicas started, summed over them
 * @param fencingToken the token its owner holds its lease under (exclusive), or null
 * @param leaseExpires until when its lease lasts without a renewal (exclusive), or null
 */
record ServiceRow(
    String name,
    String kind,
    boolean enabled,
    boolean paused,
    String interval,
    long intervalMs,
    String cron,
    String zone,
    String schedule,
    String coordination,
    String state,
    String owner,
    List<String> replicas,
    String lastStart,
    String lastOutcome,
    Double lastDurationMs,
    String nextRun,
    int failuresInRow,
    long iterations,
    Long fencingToken,
    String leaseExpires) {}
