package dev.loopwork.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica of a test application, run as its own JVM by {@link MultiReplicaIT}: {@code services} services named
 * {@code svc-00...}, each busy for {@code workMillis} per iteration (less when interrupted), coordinated and journaled in the database at
 * {@code url} (PostgreSQL or MariaDB). Prints {@code START <service> <epoch micros>} as each iteration starts (the
 * record that survives a {@code kill -9}, unlike the journal's last batch), and {@code READY <replica id>} once it takes part; stops gracefully on SIGTERM.
 *
 * <p>Arguments: url replicaId services intervalMillis workMillis ttlMillis
 */
public final class ReplicaMain {
  private ReplicaMain() {}

  /** Busy for {@code nanos}, or until interrupted (a revoked iteration ends at once). */
  private static void work(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !Thread.currentThread().isInterrupted(); left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String url = args[0];
    String replicaId = args[1];
    int services = Integer.parseInt(args[2]);
    Duration interval = Duration.ofMillis(Long.parseLong(args[3]));
    long workNanos = Duration.ofMillis(Long.parseLong(args[4])).toNanos();
    Duration ttl = Duration.ofMillis(Long.parseLong(args[5]));
    boolean mariaDb = url.startsWith("jdbc:mariadb:");
    try (Database database = Database.builder().url(url)
            .user(mariaDb ? MariaDbDatabases.USER : PostgresDatabases.USER).password(mariaDb ? "" : null)
            .maximumPoolSize(4)
            .connectionTimeout(Duration.ofSeconds(1)).build();
        JdbcLoopRuntime runtime = JdbcLoopRuntime.builder(database).replicaId(replicaId).leaseTtl(ttl).build()) {
      List<JdbcLoopService> all = new ArrayList<>();
      for (int i = 0; i < services; i++) {
        String name = String.format("svc-%02d", i);
        all.add(JdbcLoopService.of(name, interval, db -> {
          Instant now = Instant.now();
          System.out.println("START " + name + " " + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
          work(workNanos);
        }));
      }
      System.out.println("READY " + runtime.replicaId());
      runtime.runAll(all);
    }
    System.out.println("STOPPED " + replicaId);
  }
}
