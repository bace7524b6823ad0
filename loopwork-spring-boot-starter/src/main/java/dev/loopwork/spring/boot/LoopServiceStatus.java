package dev.loopwork.spring.boot;

import dev.loopwork.LoopState;

/**
 * One loop service of the application as the actuator endpoint lists it: the fields of {@code
 * loopwork services ls}. Times are ISO-8601 strings, {@code null} when unknown. With a DataSource
 * the last iteration is the latest one in the run journal (exclusive services, on any instance) or
 * here, whichever is later; without one, the last one here.
 *
 * @param name the service's name
 * @param enabled whether {@code loopwork.services.<name>.enabled} lets it run here
 * @param paused whether an operator paused it: on every instance with a DataSource, here without
 * @param state its lifecycle state here
 * @param coordination exclusive or every-replica
 * @param interval the interval between iteration starts; {@code null} for a service that runs on a
 *     calendar schedule
 * @param cron the cron expression the service runs at (for another calendar schedule, its
 *     description); {@code null} for an interval service
 * @param zone the time zone of the cron expression, {@code null} for an interval service
 * @param timeout the iteration timeout, {@code null} for none
 * @param owner the replica that holds its lease now; this replica's id for a service that runs here
 *     on every replica
 * @param ownedHere whether this replica runs its iterations now
 * @param lastStart when its last iteration started
 * @param lastOutcome how that iteration ended
 * @param lastDuration how long it took
 * @param nextRun when its next iteration here is due, if it runs here
 * @param nextFire the next fire of its calendar schedule after now, wherever it runs; {@code null}
 *     for an interval service
 * @param consecutiveFailures failed iterations in a row here
 * @param lastError the last iteration's error, if it failed
 */
public record LoopServiceStatus(
    String name,
    boolean enabled,
    boolean paused,
    LoopState state,
    Coordination coordination,
    String interval,
    String cron,
    String zone,
    String timeout,
    String owner,
    boolean ownedHere,
    String lastStart,
    String lastOutcome,
    String lastDuration,
    String nextRun,
    String nextFire,
    int consecutiveFailures,
    String lastError) {}
