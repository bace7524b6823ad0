package dev.loopwork.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link ReplicaMain} running in its own JVM, with its output collected for assertions. */
final class ReplicaProcess implements AutoCloseable {
  final String replicaId;
  private final Process process;
  private final List<String> output = new ArrayList<>();

  private ReplicaProcess(String replicaId, Process process) {
    this.replicaId = replicaId;
    this.process = process;
    collect(process.getInputStream());
    collect(process.getErrorStream());
  }

  /** Starts a replica; see {@link ReplicaMain} for the arguments. */
  static ReplicaProcess start(
      String url,
      String replicaId,
      int services,
      Duration interval,
      Duration work,
      Duration ttl,
      String writes)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-Dlogback.configurationFile=logback-replica.xml",
            "-cp",
            System.getProperty("java.class.path"),
            ReplicaMain.class.getName(),
            url,
            replicaId,
            Integer.toString(services),
            Long.toString(interval.toMillis()),
            Long.toString(work.toMillis()),
            Long.toString(ttl.toMillis()),
            writes);
    return new ReplicaProcess(replicaId, new ProcessBuilder(command).start());
  }

  private void collect(InputStream stream) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  synchronized (output) {
                    output.add(line);
                  }
                }
              } catch (IOException e) {
                // The process is gone.
              }
            },
            "replica-output-" + replicaId);
    reader.setDaemon(true);
    reader.start();
  }

  /** Every line the replica printed so far, stdout and stderr mixed. */
  List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  boolean printed(String text) {
    return output().stream().anyMatch(line -> line.contains(text));
  }

  /**
   * The start of the latest iteration of {@code service} that this replica printed, in epoch
   * microseconds.
   */
  long lastStartMicros(String service) {
    synchronized (output) {
      for (int i = output.size() - 1; i >= 0; i--) {
        String line = output.get(i);
        if (line.startsWith("START " + service + " ")) {
          return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    throw new IllegalStateException(replicaId + " printed no start of " + service);
  }

  long linesContaining(String text) {
    return output().stream().filter(line -> line.contains(text)).count();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM: a graceful stop. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL, like kill -9: no chance to release anything. */
  void kill() {
    process.destroyForcibly();
  }

  /** SIGSTOP: the process freezes, its sockets stay open (a long GC pause, a VM migration). */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a frozen process goes on where it stopped. */
  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "Replica " + replicaId + " did not exit within " + timeout + "; output: " + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
