package dev.loopwork.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One measurement of the suite: a scenario against a peer on a JDK, in a fresh JVM.
 *
 * @param jdk the JDK's label in the report, e.g. {@code 17}
 * @param java the {@code java} launcher of that JDK
 * @param scenario a {@link ScenarioMain} scenario, or {@code overhead} for the JMH benchmark
 * @param label the peer as the report names it (e.g. {@code loopwork-nop} for a variant)
 * @param peer the {@link Peers} identifier, or for {@code overhead} the JMH {@code peer} parameter
 *     values
 * @param params {@code key=value} scenario parameters
 * @param jvmArgs options for the JVM
 * @param timeout how long the process may take before it is killed
 */
record BenchRun(
    String jdk,
    Path java,
    String scenario,
    String label,
    String peer,
    List<String> params,
    List<String> jvmArgs,
    Duration timeout) {}
