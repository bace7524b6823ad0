package dev.loopwork.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * One replica process of the replicas scenario: runs services {@code svc-0 ...} of one {@link
 * ReplicaPeer} against the database at {@code url} until SIGTERM (a JVM shutdown hook closes the
 * peer: the graceful stop of every peer). Prints {@code READY <replica>} once started and the
 * {@link IterationLog} lines of every iteration.
 *
 * <pre>{@code
 * java -cp ... dev.loopwork.bench.ReplicaMain shedlock jdbc:postgresql://127.0.0.1:5432/db?user=postgres r1 1000 1000 0
 * }</pre>
 *
 * <p>Arguments: peer url replicaId services intervalMillis bodyMillis [writes]. With {@code
 * writes}, each iteration inserts a row {@code (service, replica, written_at)} into {@value
 * #WRITES_TABLE} and then waits the body's time, in one transaction as the peer has its users write
 * ({@link ReplicaPeer#inTransaction}).
 */
public final class ReplicaMain {
  /** What a replica prints once its services are started. */
  static final String READY = "READY ";

  /** The table that the iterations of a replica started with {@code writes} insert into. */
  static final String WRITES_TABLE = "bench_write";

  /** The last argument that makes a replica write. */
  static final String WRITES = "writes";

  private ReplicaMain() {}

  /** Runs the replica; see the class comment. */
  public static void main(String[] args) throws InterruptedException {
    boolean writes = args.length == 7 && args[6].equals(WRITES);
    if (args.length != 6 && !writes) {
      System.err.println(
          "usage: ReplicaMain "
              + ReplicaPeers.ALL
              + " url replicaId services intervalMillis bodyMillis ["
              + WRITES
              + "]");
      System.exit(2);
    }
    String replica = args[2];
    int services = Integer.parseInt(args[3]);
    Duration interval = Duration.ofMillis(Long.parseLong(args[4]));
    long bodyNanos = Duration.ofMillis(Long.parseLong(args[5])).toNanos();
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    HikariDataSource dataSource = pool(args[1], replica);
    ReplicaPeer peer = ReplicaPeers.create(args[0]);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  peer.close();
                  dataSource.close();
                  out.flush();
                },
                "replica-shutdown"));
    // The harness's own code (the clock, the lines it prints) loaded and run once before any
    // peer's first iteration, so that no peer's first iteration on a replica pays for it.
    IterationLog.beginLine("warm-up", replica, IterationLog.nowMicros());
    IterationLog.endLine("warm-up", replica, IterationLog.nowMicros(), IterationLog.nowMicros());
    List<String> names = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      names.add("svc-" + i);
    }
    peer.start(
        dataSource,
        replica,
        names,
        interval,
        service -> {
          long start = IterationLog.nowMicros();
          print(out, IterationLog.beginLine(service, replica, start));
          if (service.equals("svc-0"))
            if (writes) {
              write(peer, dataSource, service, replica, bodyNanos);
            } else if (bodyNanos > 0) {
              LockSupport.parkNanos(bodyNanos);
            }
          print(out, IterationLog.endLine(service, replica, start, IterationLog.nowMicros()));
        });
    print(out, READY + replica);
    Thread.currentThread().join(); // until SIGTERM or SIGKILL
  }

  /**
   * One row, then the body's wait, in one transaction; a failed one (a fenced commit refused) is
   * told on stderr.
   */
  private static void write(
      ReplicaPeer peer, DataSource dataSource, String service, String replica, long bodyNanos) {
    try {
      peer.inTransaction(
          dataSource,
          c -> {
            try (PreparedStatement insert =
                c.prepareStatement(
                    "INSERT INTO "
                        + WRITES_TABLE
                        + " (service, replica, written_at) VALUES (?, ?, clock_timestamp())")) {
              insert.setString(1, service);
              insert.setString(2, replica);
              insert.executeUpdate();
            }
            LockSupport.parkNanos(bodyNanos);
          });
    } catch (SQLException | RuntimeException e) {
      System.err.println(
          "replica " + replica + ": the write of " + service + " did not commit: " + e);
    }
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
