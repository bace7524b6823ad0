package dev.loopwork.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica process of the replicas scenario: runs services {@code svc-0 ...} of one {@link ReplicaPeer} against
 * the database at {@code url} until SIGTERM (a JVM shutdown hook closes the peer: the graceful stop of every peer).
 * Prints {@code READY <replica>} once started and the {@link IterationLog} lines of every iteration.
 *
 * <pre>{@code
 * java -cp ... dev.loopwork.bench.ReplicaMain shedlock jdbc:postgresql://127.0.0.1:5432/db?user=postgres r1 1000 1000 0
 * }</pre>
 *
 * <p>Arguments: peer url replicaId services intervalMillis bodyMillis.
 */
public final class ReplicaMain {
  /** What a replica prints once its services are started. */
  static final String READY = "READY ";

  private ReplicaMain() {}

  /** Runs the replica; see the class comment. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 6) {
      System.err.println("usage: ReplicaMain " + ReplicaPeers.ALL
          + " url replicaId services intervalMillis bodyMillis");
      System.exit(2);
    }
    String replica = args[2];
    int services = Integer.parseInt(args[3]);
    Duration interval = Duration.ofMillis(Long.parseLong(args[4]));
    long bodyNanos = Duration.ofMillis(Long.parseLong(args[5])).toNanos();
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    HikariDataSource dataSource = pool(args[1], replica);
    ReplicaPeer peer = ReplicaPeers.create(args[0]);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      peer.close();
      dataSource.close();
      out.flush();
    }, "replica-shutdown"));
    List<String> names = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      names.add("svc-" + i);
    }
    peer.start(dataSource, replica, names, interval, service -> {
      long start = IterationLog.nowMicros();
      print(out, IterationLog.beginLine(service, replica, start));
      if (bodyNanos > 0) {
        LockSupport.parkNanos(bodyNanos);
      }
      print(out, IterationLog.endLine(service, replica, start, IterationLog.nowMicros()));
    });
    print(out, READY + replica);
    Thread.currentThread().join(); // until SIGTERM or SIGKILL
  }

  private static void print(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  private static HikariDataSource pool(String url, String replica) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(ReplicaPeer.THREADS);
    config.setPoolName("replica-" + replica);
    return new HikariDataSource(config);
  }
}
