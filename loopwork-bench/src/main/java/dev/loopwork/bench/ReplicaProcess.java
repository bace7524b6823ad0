package dev.loopwork.bench;

import dev.loopwork.testsupport.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ReplicaMain} in its own JVM, started with this process's class path. Its iteration lines
 * go to an {@link IterationLog}; its standard error to this process's. {@link #close()} kills it if
 * it still runs.
 */
final class ReplicaProcess extends ChildProcess {
  /** The options of every replica JVM, the same for every peer. */
  static final List<String> JVM = List.of("-Xmx256m", BenchPlan.LOGBACK, BenchPlan.LOGBACK_CONFIG);

  /**
   * Extra options for replicas of the fail-over runs, which carry one service: the C1 compiler
   * only, which starts a JVM with less CPU on this shared machine. The load runs use the JIT as
   * configured by default.
   */
  static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");

  final String replica;
  private final AtomicBoolean ready;

  private ReplicaProcess(
      String replica, ProcessBuilder builder, IterationLog log, AtomicBoolean ready) {
    super(
        "replica " + replica,
        builder,
        line -> {
          if (!log.addLine(line) && line.startsWith(ReplicaMain.READY)) {
            ready.set(true);
          }
        });
    this.replica = replica;
    this.ready = ready;
  }

  /**
   * Starts replica {@code replica} of {@code peer} with {@code services} services (see {@link
   * ReplicaMain}), with the {@link #JVM} options and {@code extraJvm}.
   */
  static ReplicaProcess start(
      String peer,
      String url,
      String replica,
      int services,
      Duration interval,
      Duration body,
      List<String> extraJvm,
      IterationLog log) {
    return start(peer, url, replica, services, interval, body, false, extraJvm, log);
  }

  /**
   * As {@link #start(String, String, String, int, Duration, Duration, List, IterationLog)}; {@code
   * writes}: see {@link ReplicaMain}.
   */
  static ReplicaProcess start(
      String peer,
      String url,
      String replica,
      int services,
      Duration interval,
      Duration body,
      boolean writes,
      List<String> extraJvm,
      IterationLog log) {
    List<String> jvm = new ArrayList<>(JVM);
    jvm.addAll(extraJvm);
    List<String> args =
        new ArrayList<>(
            List.of(
                peer,
                url,
                replica,
                Integer.toString(services),
                Long.toString(interval.toMillis()),
                Long.toString(body.toMillis())));
    if (writes) {
      args.add(ReplicaMain.WRITES);
    }
    ProcessBuilder builder =
        new ProcessBuilder(javaCommand(jvm, ReplicaMain.class, args.toArray(String[]::new)))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    return new ReplicaProcess(replica, builder, log, new AtomicBoolean());
  }

  /** Whether the replica has started its services and still runs. */
  boolean isReady() {
    return ready.get() && isAlive();
  }
}
