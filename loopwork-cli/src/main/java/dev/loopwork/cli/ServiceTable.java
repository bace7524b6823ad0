package dev.loopwork.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The text table of {@code loopwork services ls}: one line per service, columns aligned. */
final class ServiceTable {
  private static final List<String> HEADER =
      List.of(
          "SERVICE",
          "ENABLED",
          "PAUSED",
          "SCHEDULE",
          "OWNER",
          "LAST START",
          "OUTCOME",
          "DURATION",
          "NEXT RUN",
          "FAILURES");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private ServiceTable() {}

  /** The table, or a line saying that no replica is running. */
  static String render(List<ServiceRow> rows) {
    if (rows.isEmpty()) {
      return "No live replica has published its services (start one with: loopwork run).\n";
    }
    List<List<String>> lines = new ArrayList<>();
    lines.add(HEADER);
    for (ServiceRow r : rows) {
      lines.add(
          List.of(
              r.name(),
              r.enabled() ? "yes" : "no",
              r.paused() ? "yes" : "no",
              r.schedule(),
              r.owner() == null ? "-" : r.owner(),
              time(r.lastStart()),
              r.lastOutcome() == null ? "-" : r.lastOutcome(),
              r.lastDurationMs() == null ? "-" : duration(r.lastDurationMs()),
              r.paused() ? "paused" : time(r.nextRun()),
              Integer.toString(r.failuresInRow())));
    }
    int[] widths = new int[HEADER.size()];
    for (List<String> line : lines) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], line.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> line : lines) {
      for (int i = 0; i < widths.length; i++) {
        out.append(
            i == widths.length - 1
                ? line.get(i)
                : String.format("%-" + (widths[i] + 2) + "s", line.get(i)));
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String time(String instant) {
    return instant == null ? "-" : TIME.format(Instant.parse(instant));
  }

  private static String duration(double millis) {
    if (millis < 1000) {
      return String.format("%.1fms", millis);
    }
    return String.format("%.1fs", millis / 1000);
  }
}
