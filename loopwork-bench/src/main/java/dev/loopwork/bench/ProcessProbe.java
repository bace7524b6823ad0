package dev.loopwork.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Readings of this process from the JVM and from Linux's {@code /proc/self}: CPU time, RSS, context
 * switches.
 */
final class ProcessProbe {
  private static final Path SELF = Path.of("/proc/self");

  private ProcessProbe() {}

  /** CPU time (user + system) this process has used, in nanoseconds. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The peak resident set size of this process so far ({@code VmHWM}), in bytes. */
  static long peakRssBytes() {
    return statusNumber(SELF.resolve("status"), "VmHWM:") * 1024; // reported in kB
  }

  /** The number of threads of this process. */
  static long threadCount() {
    return statusNumber(SELF.resolve("status"), "Threads:");
  }

  /**
   * A kernel setting from {@code /proc/sys}, e.g. {@code kernel/pid_max}; -1 if it cannot be read.
   */
  static long kernelSetting(String name) {
    try {
      // readAllLines, not readString: procfs reports a size of zero, and readString then stops
      // after one byte
      return Long.parseLong(Files.readAllLines(Path.of("/proc/sys").resolve(name)).get(0).trim());
    } catch (IOException | NumberFormatException | IndexOutOfBoundsException e) {
      return -1;
    }
  }

  /**
   * The context switches (voluntary + involuntary) of every thread of this process, by thread id,
   * with the thread's name. A thread that blocks and is woken counts one voluntary switch per
   * wake-up.
   */
  static Map<String, ThreadSwitches> contextSwitches() {
    Map<String, ThreadSwitches> result = new HashMap<>();
    try (Stream<Path> tasks = Files.list(SELF.resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          Path status = task.resolve("status");
          long switches =
              statusNumber(status, "voluntary_ctxt_switches:")
                  + statusNumber(status, "nonvoluntary_ctxt_switches:");
          result.put(task.getFileName().toString(), new ThreadSwitches(name, switches));
        } catch (UncheckedIOException | IOException e) {
          // the thread ended between listing and reading: it counts as not there
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list /proc/self/task", e);
    }
    return result;
  }

  /**
   * Context switches between two readings: those of threads whose name starts with one of {@code
   * prefixes} (threads that appeared in between count in full), and of all threads.
   */
  static long[] switchesBetween(
      Map<String, ThreadSwitches> before,
      Map<String, ThreadSwitches> after,
      List<String> prefixes) {
    long matching = 0;
    long all = 0;
    for (Map.Entry<String, ThreadSwitches> e : after.entrySet()) {
      ThreadSwitches then = before.get(e.getKey());
      long delta = e.getValue().switches - (then == null ? 0 : then.switches);
      all += delta;
      if (prefixes.stream().anyMatch(e.getValue().name::startsWith)) {
        matching += delta;
      }
    }
    return new long[] {matching, all};
  }

  private static long statusNumber(Path status, String key) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + status, e);
    }
  }

  /** The context switches of one thread at one reading. */
  static final class ThreadSwitches {
    final String name;
    final long switches;

    ThreadSwitches(String name, long switches) {
      this.name = name;
      this.switches = switches;
    }
  }
}
