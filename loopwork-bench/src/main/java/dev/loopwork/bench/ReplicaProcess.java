package dev.loopwork.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ReplicaMain} in its own JVM, started with this process's class path. Its iteration lines
 * go to an {@link IterationLog}; its standard error to this process's. {@link #close()} kills it if
 * it still runs.
 */
final class ReplicaProcess implements AutoCloseable {
  /** The options of every replica JVM, the same for every peer. */
  static final List<String> JVM = List.of("-Xmx256m", BenchPlan.LOGBACK);

  /**
   * Extra options for replicas of the fail-over runs, which carry one service: the C1 compiler
   * only, which starts a JVM with less CPU on this shared machine. The load runs use the JIT as
   * configured by default.
   */
  static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");

  final String replica;
  private final Process process;
  private volatile boolean ready;

  private ReplicaProcess(String replica, Process process, IterationLog log) {
    this.replica = replica;
    this.process = process;
    Thread reader = new Thread(() -> read(log), "replica-output-" + replica);
    reader.setDaemon(true);
    reader.start();
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
      IterationLog log)
      throws IOException {
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
      IterationLog log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM);
    command.addAll(extraJvm);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            ReplicaMain.class.getName(),
            peer,
            url,
            replica,
            Integer.toString(services),
            Long.toString(interval.toMillis()),
            Long.toString(body.toMillis())));
    if (writes) {
      command.add(ReplicaMain.WRITES);
    }
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return new ReplicaProcess(replica, process, log);
  }

  private void read(IterationLog log) {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!log.addLine(line) && line.startsWith(ReplicaMain.READY)) {
          ready = true;
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  /** Whether the replica has started its services and still runs. */
  boolean isReady() {
    return ready && process.isAlive();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM: the graceful stop. */
  void terminate() {
    process.destroy();
  }

  /**
   * SIGSTOP: the process freezes where it is (a long GC pause, a VM migration), holding what it
   * held.
   */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a frozen process goes on. */
  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGKILL, as {@code kill -9}: nothing is released. */
  void kill() {
    process.destroyForcibly();
  }

  /**
   * Waits for the process to end.
   *
   * @throws IllegalStateException if it still runs after {@code timeout}
   */
  void awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("replica " + replica + " did not exit within " + timeout);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
