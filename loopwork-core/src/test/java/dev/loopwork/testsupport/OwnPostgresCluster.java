package dev.loopwork.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of a test's own (Debian's {@code pg_createcluster}, the newest installed
 * version, trust authentication), for tests that stop, start or restart the server: it disturbs no
 * other test. Needs Debian's PostgreSQL server tools and root; without them the test is {@linkplain
 * RequiredServer skipped, or failed under CI}. {@link #close()} stops and drops it.
 */
public final class OwnPostgresCluster implements AutoCloseable {
  private final String version;
  private final String name;
  private final int port;

  private OwnPostgresCluster(String version, String name, int port) {
    this.version = version;
    this.name = name;
    this.port = port;
  }

  /**
   * Creates and starts cluster {@code name} on {@code port}, first dropping one of that name that
   * an aborted run left.
   */
  public static OwnPostgresCluster create(String name, int port) {
    try (var versions = Files.list(Path.of("/etc/postgresql"))) {
      String version =
          versions
              .map(p -> p.getFileName().toString())
              .max(Comparator.comparingInt(Integer::parseInt))
              .orElseThrow();
      OwnPostgresCluster cluster = new OwnPostgresCluster(version, name, port);
      cluster.run("pg_dropcluster", version, name, "--stop");
      if (cluster.run(
                  "pg_createcluster",
                  version,
                  name,
                  "--port",
                  Integer.toString(port),
                  "--",
                  "-A",
                  "trust")
              != 0
          || cluster.run("pg_ctlcluster", version, name, "start") != 0) {
        throw new IOException("pg_createcluster or pg_ctlcluster failed");
      }
      return cluster;
    } catch (IOException | RuntimeException e) {
      RequiredServer.missing(
          "Cannot create a PostgreSQL cluster of the test's own on port "
              + port
              + " ("
              + e
              + "): this test needs Debian's PostgreSQL server tools and root.",
          e);
      throw new IllegalStateException("unreachable: missing() skips or fails the test", e);
    }
  }

  /** The JDBC URL of its {@code postgres} database. */
  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Stops the server (fast: sessions are ended). */
  public void stop() {
    control("stop", "-m", "fast");
  }

  /** Starts the server again. */
  public void start() {
    control("start");
  }

  /** Restarts the server (fast: sessions are ended). */
  public void restart() {
    control("restart", "-m", "fast");
  }

  private void control(String action, String... options) {
    String[] command = new String[3 + 1 + options.length];
    command[0] = "pg_ctlcluster";
    command[1] = version;
    command[2] = name;
    command[3] = action;
    System.arraycopy(options, 0, command, 4, options.length);
    if (run(command) != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed");
    }
  }

  /** Stops and drops the cluster. */
  @Override
  public void close() {
    run("pg_dropcluster", version, name, "--stop");
  }

  private int run(String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command[0], e);
    }
  }
}
