package dev.loopwork.jdbc;

import dev.loopwork.LoopOptions;
import dev.loopwork.cron.CronSchedule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * One replica of a calendar service, run as its own JVM by {@link CronFailoverIT}: the service
 * {@value #SERVICE} fires at every even second (a 6-field cron expression), coordinated through the
 * PostgreSQL database at {@code url}. Each iteration stands for the even second its start rounds
 * down to (a fire started less than two seconds late): it inserts that second into {@code
 * cron_start} (every start, counted) and into {@code cron_fire}, whose primary key refuses a second
 * fire of the same second; such a refusal is printed as {@code DOUBLE <second>}. Prints {@code
 * READY <replica id>} once it takes part; stops gracefully on SIGTERM.
 *
 * <p>Arguments: url replicaId ttlMillis.
 */
public final class CronReplicaMain {
  /** The name of the calendar service. */
  static final String SERVICE = "cron-2s";

  private CronReplicaMain() {}

  /** Records the even second this iteration stands for; see the class comment. */
  private static final class EvenSecondRecorder extends JdbcLoopService {
    private final String replicaId;

    EvenSecondRecorder(String replicaId) {
      super(
          LoopOptions.builder()
              .schedule(CronSchedule.parse("*/2 * * * * *", ZoneOffset.UTC))
              .build());
      this.replicaId = replicaId;
    }

    @Override
    public String name() {
      return SERVICE;
    }

    @Override
    protected void runOnce() throws SQLException {
      Instant now = Instant.now();
      long fire = Math.floorDiv(now.getEpochSecond(), 2) * 2;
      try (Connection c = database().connection()) {
        insert(c, "cron_start", fire, now.toEpochMilli());
        try {
          insert(c, "cron_fire", fire, now.toEpochMilli());
        } catch (SQLException e) {
          System.out.println("DOUBLE " + fire + " " + e.getMessage());
        }
      }
    }

    private void insert(Connection c, String table, long fire, long startedMs) throws SQLException {
      try (PreparedStatement insert =
          c.prepareStatement(
              "INSERT INTO " + table + " (fire_s, replica, started_ms) VALUES (?, ?, ?)")) {
        insert.setLong(1, fire);
        insert.setString(2, replicaId);
        insert.setLong(3, startedMs);
        insert.executeUpdate();
      }
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String url = args[0];
    String replicaId = args[1];
    Duration ttl = Duration.ofMillis(Long.parseLong(args[2]));
    try (Database database =
            Database.builder()
                .url(url)
                .user(PostgresDatabases.USER)
                .maximumPoolSize(4)
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
        JdbcLoopRuntime runtime =
            JdbcLoopRuntime.builder(database).replicaId(replicaId).leaseTtl(ttl).build()) {
      System.out.println("READY " + runtime.replicaId());
      runtime.runAll(List.of(new EvenSecondRecorder(replicaId)));
    }
    System.out.println("STOPPED " + replicaId);
  }
}
