package dev.loopwork.cli;

import static dev.loopwork.cli.HostSchema.STATUS_TABLE;

import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.DatabaseException;
import dev.loopwork.jdbc.LeaseOwners;
import dev.loopwork.jdbc.LiveReplicas;
import dev.loopwork.jdbc.ServiceControls;
import dev.loopwork.jdbc.ServiceControls.Control;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The state of every service on every replica, in {@value HostSchema#STATUS_TABLE}: each replica
 * {@linkplain #publish publishes} its {@link StatusBoard} every second and removes its rows when it
 * stops; {@link #fleet()} merges the rows of live replicas with the leases and pause flags into one
 * {@link ServiceRow} per service. Thread-safe.
 */
final class StatusTable {
  /** Rows not refreshed for this long belong to a replica that died; they are left out. */
  static final Duration STALE_AFTER = Duration.ofSeconds(15);

  private static final String COLUMNS =
      "kind = ?, coordination = ?, enabled = ?, interval_ms = ?, state = ?, "
          + "iterations = ?, last_started_ms = ?, last_outcome = ?, last_duration_us = ?, failures_in_row = ?, "
          + "next_run_ms = ?, cron = ?, zone = ?, updated_ms = ?";

  private final Database database;

  StatusTable(Database database) {
    this.database = database;
  }

  /** Writes this replica's rows, one per service of {@code statuses}. */
  void publish(String replica, List<StatusBoard.Status> statuses) {
    try (Connection c = database.connection();
        PreparedStatement update =
            c.prepareStatement(
                "UPDATE "
                    + STATUS_TABLE
                    + " SET "
                    + COLUMNS
                    + " WHERE service = ? AND replica_id = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO "
                    + STATUS_TABLE
                    + " (kind, coordination, "
                    + "enabled, interval_ms, state, iterations, last_started_ms, last_outcome, last_duration_us, "
                    + "failures_in_row, next_run_ms, cron, zone, updated_ms, service, replica_id) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      long now = System.currentTimeMillis();
      for (StatusBoard.Status status : statuses) {
        bind(update, status, replica, now);
        if (update.executeUpdate() == 0) {
          bind(insert, status, replica, now);
          insert.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw failed("publish the status of replica " + replica, e);
    }
  }

  /** Removes this replica's rows, when it stops. */
  void remove(String replica) {
    try (Connection c = database.connection();
        PreparedStatement delete =
            c.prepareStatement("DELETE FROM " + STATUS_TABLE + " WHERE replica_id = ?")) {
      delete.setString(1, replica);
      delete.executeUpdate();
    } catch (SQLException e) {
      throw failed("remove the status of replica " + replica, e);
    }
  }

  /** The services whose lease this replica holds now (expired leases are nobody's). */
  List<String> leasesOf(String replica) {
    return readLeases().entrySet().stream()
        .filter(e -> replica.equals(e.getValue().replica()))
        .map(Map.Entry::getKey)
        .toList();
  }

  /**
   * Every live replica, in id order, with the services whose lease it holds now, as loopwork-jdbc's
   * {@link LiveReplicas} and {@link LeaseOwners} read them.
   */
  List<ReplicaRow> replicas() {
    Map<String, List<String>> held = new TreeMap<>();
    readLeases()
        .forEach(
            (service, holder) ->
                held.computeIfAbsent(holder.replica(), r -> new ArrayList<>()).add(service));
    return LiveReplicas.read(database).stream()
        .map(
            r ->
                new ReplicaRow(
                    r.replicaId(),
                    r.host(),
                    r.pid(),
                    r.startedAt().toString(),
                    r.lastHeartbeat() == null ? null : r.lastHeartbeat().toString(),
                    r.expiresAt().toString(),
                    held.getOrDefault(r.replicaId(), List.of()).stream().sorted().toList()))
        .toList();
  }

  /** One row per service that a live replica runs, in name order. */
  List<ServiceRow> fleet() {
    Map<String, Control> controls = ServiceControls.of(database, "reader").readAll();
    Map<String, LeaseOwners.Holder> leases = readLeases();
    Instant now = Instant.now();
    Map<String, List<Row>> byService = new TreeMap<>();
    for (Row row : readLiveRows()) {
      byService.computeIfAbsent(row.service, s -> new ArrayList<>()).add(row);
    }
    List<ServiceRow> fleet = new ArrayList<>();
    byService.forEach(
        (service, rows) ->
            fleet.add(
                merge(
                    service,
                    rows,
                    leases.get(service),
                    now,
                    controls.getOrDefault(service, Control.NONE).paused())));
    return fleet;
  }

  private static ServiceRow merge(
      String service, List<Row> rows, LeaseOwners.Holder lease, Instant now, boolean paused) {
    String leaseOwner = lease == null ? null : lease.replica();
    List<String> replicas =
        rows.stream().filter(r -> r.enabled).map(r -> r.replica).sorted().toList();
    Row any = rows.get(0);
    boolean exclusive = HostConfig.Coordination.EXCLUSIVE.text().equals(any.coordination);
    String owner;
    if (exclusive) {
      owner = replicas.contains(leaseOwner) ? leaseOwner : null;
    } else {
      owner = replicas.isEmpty() ? null : String.join(",", replicas);
    }
    Row last =
        rows.stream()
            .filter(r -> r.lastStartedMs != null)
            .max(Comparator.comparingLong(r -> r.lastStartedMs))
            .orElse(null);
    Row shown =
        rows.stream()
            .filter(r -> Objects.equals(r.replica, owner))
            .findFirst()
            .orElse(last != null ? last : any);
    Long next =
        paused
            ? null
            : rows.stream()
                .filter(r -> r.nextRunMs != null && (!exclusive || r.replica.equals(owner)))
                .map(r -> r.nextRunMs)
                .min(Long::compare)
                .orElse(null);
    String interval =
        any.cron == null ? DurationText.format(Duration.ofMillis(any.intervalMs)) : null;
    return new ServiceRow(
        service,
        any.kind,
        !replicas.isEmpty(),
        paused,
        interval,
        any.intervalMs,
        any.cron,
        any.zone,
        any.cron == null
            ? new ScheduleSpec.Interval(Duration.ofMillis(any.intervalMs)).text()
            : ScheduleSpec.Cron.text(any.cron, any.zone),
        any.coordination,
        shown.state,
        owner,
        replicas,
        last == null ? null : instant(last.lastStartedMs),
        last == null ? null : last.lastOutcome,
        last == null || last.lastDurationUs == null ? null : last.lastDurationUs / 1000.0,
        next == null ? null : instant(next),
        last == null ? 0 : last.failuresInRow,
        rows.stream().mapToLong(r -> r.iterations).sum(),
        exclusive && owner != null ? lease.fencingToken() : null,
        exclusive && owner != null ? now.plusMillis(lease.remainingMillis()).toString() : null);
  }

  private static String instant(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  private record Row(
      String service,
      String replica,
      String kind,
      String coordination,
      boolean enabled,
      long intervalMs,
      String state,
      long iterations,
      Long lastStartedMs,
      String lastOutcome,
      Long lastDurationUs,
      int failuresInRow,
      Long nextRunMs,
      String cron,
      String zone) {}

  private List<Row> readLiveRows() {
    List<Row> rows = new ArrayList<>();
    try (Connection c = database.connection();
        PreparedStatement select =
            c.prepareStatement(
                "SELECT service, replica_id, kind, coordination, enabled, "
                    + "interval_ms, state, iterations, last_started_ms, last_outcome, last_duration_us, failures_in_row, "
                    + "next_run_ms, cron, zone FROM "
                    + STATUS_TABLE
                    + " WHERE updated_ms >= ?")) {
      select.setLong(1, System.currentTimeMillis() - STALE_AFTER.toMillis());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getBoolean(5),
                  rs.getLong(6),
                  rs.getString(7),
                  rs.getLong(8),
                  rs.getObject(9, Long.class),
                  rs.getString(10),
                  rs.getObject(11, Long.class),
                  rs.getInt(12),
                  rs.getObject(13, Long.class),
                  rs.getString(14),
                  rs.getString(15)));
        }
      }
    } catch (SQLException e) {
      throw failed("read " + STATUS_TABLE, e);
    }
    return rows;
  }

  /** The holder of each held lease, by service; a free or expired lease has none. */
  private Map<String, LeaseOwners.Holder> readLeases() {
    Map<String, LeaseOwners.Holder> holders = new HashMap<>();
    LeaseOwners.holders(database)
        .forEach((service, holder) -> holder.ifPresent(h -> holders.put(service, h)));
    return holders;
  }

  private static void bind(PreparedStatement s, StatusBoard.Status status, String replica, long now)
      throws SQLException {
    StatusBoard.Listing listing = status.listing();
    s.setString(1, listing.kind());
    s.setString(2, listing.coordination());
    s.setBoolean(3, listing.enabled());
    s.setLong(4, listing.schedule().period().toMillis());
    s.setString(5, status.state());
    s.setLong(6, status.iterations());
    setMillis(s, 7, status.lastStart());
    s.setString(8, status.lastOutcome());
    if (status.lastDuration() == null) {
      s.setNull(9, Types.BIGINT);
    } else {
      s.setLong(9, status.lastDuration().toNanos() / 1000);
    }
    s.setInt(10, status.failuresInRow());
    setMillis(s, 11, status.nextRun());
    s.setString(12, listing.schedule().cron());
    s.setString(13, listing.schedule().zone());
    s.setLong(14, now);
    s.setString(15, listing.name());
    s.setString(16, replica);
  }

  private static void setMillis(PreparedStatement s, int index, Instant instant)
      throws SQLException {
    if (instant == null) {
      s.setNull(index, Types.BIGINT);
    } else {
      s.setLong(index, instant.toEpochMilli());
    }
  }

  private DatabaseException failed(String operation, SQLException e) {
    return new DatabaseException(
        "Cannot " + operation + " in " + database.url() + ": " + e.getMessage(), e);
  }
}
