package dev.loopwork.cli;

import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.LoopState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's shutdown in the log: when the first of its services begins to stop, the services it
 * waits for; once every one of them has ended, how long each took from its stop to its end, slowest
 * first. Thread-safe: services stop on several threads.
 */
final class ShutdownLog implements LoopListener {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownLog.class);

  private final Set<String> running;
  private final Map<String, Long> stoppingSince = new LinkedHashMap<>();
  private final Map<String, Long> tookMillis = new LinkedHashMap<>();

  /** A log of the shutdown of the services named {@code names}; other services are ignored. */
  ShutdownLog(List<String> names) {
    this.running = new LinkedHashSet<>(names);
  }

  @Override
  public void onStateChange(LoopService service, LoopState from, LoopState to) {
    String name = service.name();
    String waiting = null;
    String took = null;
    synchronized (this) {
      if (!running.contains(name)) {
        return;
      }
      if (to == LoopState.STOPPING) {
        if (stoppingSince.isEmpty()) {
          waiting = running.size() + " service(s): " + running;
        }
        stoppingSince.put(name, System.nanoTime());
      } else if (to.isTerminal()) {
        running.remove(name);
        Long since = stoppingSince.get(name);
        if (since != null) {
          tookMillis.put(name, (System.nanoTime() - since) / 1_000_000);
        }
        if (running.isEmpty() && !stoppingSince.isEmpty()) {
          took = slowestFirst();
        }
      }
    }
    if (waiting != null) {
      LOG.info("Stopping; waiting for {}", waiting);
    }
    if (took != null) {
      LOG.info("Time each service took to stop: {}", took);
    }
  }

  private String slowestFirst() {
    List<Map.Entry<String, Long>> entries = new ArrayList<>(tookMillis.entrySet());
    entries.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    return entries.stream()
        .map(e -> e.getKey() + " " + e.getValue() + " ms")
        .collect(Collectors.joining(", "));
  }
}
