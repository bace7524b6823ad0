package dev.loopwork.jdbc;

import dev.loopwork.testsupport.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link ReplicaMain} running in its own JVM, with its output collected for assertions. */
final class ReplicaProcess extends ChildProcess {
  final String replicaId;

  private ReplicaProcess(String replicaId, ProcessBuilder builder) {
    super("replica " + replicaId, builder, line -> {});
    this.replicaId = replicaId;
  }

  /** Starts a replica; see {@link ReplicaMain} for the arguments. */
  static ReplicaProcess start(
      String url,
      String replicaId,
      int services,
      Duration interval,
      Duration work,
      Duration ttl,
      String writes) {
    return launch(
        ReplicaMain.class,
        url,
        replicaId,
        Integer.toString(services),
        Long.toString(interval.toMillis()),
        Long.toString(work.toMillis()),
        Long.toString(ttl.toMillis()),
        writes);
  }

  /** Starts a replica of the calendar service of {@link CronReplicaMain}. */
  static ReplicaProcess startCron(String url, String replicaId, Duration ttl) {
    return launch(CronReplicaMain.class, url, replicaId, Long.toString(ttl.toMillis()));
  }

  /** Runs {@code main} in a JVM of its own; its second argument is the replica id. */
  private static ReplicaProcess launch(
      Class<?> main, String url, String replicaId, String... rest) {
    List<String> arguments = new ArrayList<>(List.of(url, replicaId));
    arguments.addAll(List.of(rest));
    List<String> command =
        javaCommand(
            List.of(
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=logback-replica.xml"),
            main,
            arguments.toArray(String[]::new));
    return new ReplicaProcess(replicaId, new ProcessBuilder(command));
  }

  /**
   * The start of the latest iteration of {@code service} that this replica printed, in epoch
   * microseconds.
   */
  long lastStartMicros(String service) {
    List<String> lines = output();
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.startsWith("START " + service + " ")) {
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new IllegalStateException(replicaId + " printed no start of " + service);
  }
}
