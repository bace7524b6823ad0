package dev.loopwork.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica of a test application, run as its own JVM by {@link MultiReplicaIT}: {@code services}
 * services named {@code svc-00...}, each busy for {@code workMillis} per iteration (less when
 * interrupted), coordinated and journaled in the database at {@code url} (PostgreSQL or MariaDB).
 * Prints {@code START <service> <epoch micros>} as each iteration starts (the record that survives
 * a {@code kill -9}, unlike the journal's last batch), and {@code READY <replica id>} once it takes
 * part; stops gracefully on SIGTERM.
 *
 * <p>Arguments: url replicaId services intervalMillis workMillis ttlMillis [writes]. With {@code
 * writes} {@code fenced} or {@code plain}, each iteration is instead one transaction that inserts
 * {@code (replica, fencing token, now)} into {@code fence_row}, sleeps {@code workMillis} in the
 * database and sets the row's end: in a {@linkplain Database#useTransaction fenced transaction}, or
 * in a plain one, as a user who does not fence would write it.
 */
public final class ReplicaMain {
  private ReplicaMain() {}

  /** Busy for {@code nanos}, or until interrupted (a revoked iteration ends at once). */
  private static void work(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos;
        left > 0 && !Thread.currentThread().isInterrupted();
        left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * Writes one row per iteration in a transaction that lasts {@code workNanos}; see the class
   * comment.
   */
  private static final class RowWriter extends JdbcLoopService {
    private final String name;
    private final String replicaId;
    private final double workSeconds;
    private final boolean fenced;

    RowWriter(String name, Duration interval, String replicaId, long workNanos, boolean fenced) {
      super(interval);
      this.name = name;
      this.replicaId = replicaId;
      this.workSeconds = workNanos / 1e9;
      this.fenced = fenced;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected void runOnce() throws SQLException {
      long token = fencingToken().orElse(0);
      if (fenced) {
        database().useTransaction(c -> write(c, token));
        return;
      }
      try (Connection c = database().connection()) {
        c.setAutoCommit(false);
        write(c, token);
        c.commit();
      }
    }

    private void write(Connection c, long token) throws SQLException {
      boolean mariaDb = database().product().equals("MariaDB");
      String now = mariaDb ? "SYSDATE(6)" : "clock_timestamp()";
      try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO fence_row (replica, token, started) "
                      + "VALUES (?, ?, "
                      + now
                      + ") RETURNING id");
          PreparedStatement sleep =
              c.prepareStatement(mariaDb ? "SELECT SLEEP(?)" : "SELECT pg_sleep(?)");
          PreparedStatement end =
              c.prepareStatement("UPDATE fence_row SET ended = " + now + " WHERE id = ?")) {
        insert.setString(1, replicaId);
        insert.setLong(2, token);
        long id;
        try (ResultSet rs = insert.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
        sleep.setDouble(1, workSeconds);
        sleep.execute();
        end.setLong(1, id);
        end.executeUpdate();
      }
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
    try (Database database =
            Database.builder()
                .url(url)
                .user(mariaDb ? MariaDbDatabases.USER : PostgresDatabases.USER)
                .password(mariaDb ? "" : null)
                .maximumPoolSize(4)
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
        JdbcLoopRuntime runtime =
            JdbcLoopRuntime.builder(database).replicaId(replicaId).leaseTtl(ttl).build()) {
      List<JdbcLoopService> all = new ArrayList<>();
      String writes = args.length > 6 ? args[6] : "none";
      for (int i = 0; i < services; i++) {
        String name = String.format("svc-%02d", i);
        if (!writes.equals("none")) {
          all.add(new RowWriter(name, interval, replicaId, workNanos, writes.equals("fenced")));
          continue;
        }
        all.add(
            JdbcLoopService.of(
                name,
                interval,
                db -> {
                  Instant now = Instant.now();
                  System.out.println(
                      "START "
                          + name
                          + " "
                          + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
                  work(workNanos);
                }));
      }
      System.out.println("READY " + runtime.replicaId());
      runtime.runAll(all);
    }
    System.out.println("STOPPED " + replicaId);
  }
}
