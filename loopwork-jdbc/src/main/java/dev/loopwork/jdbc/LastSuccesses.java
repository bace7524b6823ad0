package dev.loopwork.jdbc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each service last succeeded on any replica, read from the run journal and cached, for gauges
 * that are read often (a metrics scrape): the journal is read at most once per {@link
 * #REFRESH_PERIOD} for every service asked about so far, by one caller while the others answer from
 * the cache. A journal that cannot be read leaves the cache as it was, and is tried again a period
 * later. Thread-safe.
 */
public final class LastSuccesses {
  /** How old the cached figures may get before the journal is read again. */
  public static final Duration REFRESH_PERIOD = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(LastSuccesses.class);

  private final RunHistory journal;
  private final Clock clock;
  private final Set<String> asked = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> ends = new ConcurrentHashMap<>();
  private final ReentrantLock refreshing = new ReentrantLock();
  // When the journal was last read; set so that the first call reads it.
  private volatile long readAtNanos = System.nanoTime() - REFRESH_PERIOD.toNanos() - 1;

  private LastSuccesses(RunHistory journal, Clock clock) {
    this.journal = journal;
    this.clock = clock;
  }

  /** The last successes in the journal of {@code database}. */
  public static LastSuccesses of(Database database) {
    return new LastSuccesses(RunHistory.of(database), Clock.systemUTC());
  }

  /**
   * How long ago the last successful iteration of {@code service} ended on any replica, as of the
   * last read of the journal; empty if the journal holds none (or could not be read yet).
   */
  public Optional<Duration> timeSince(String service) {
    Objects.requireNonNull(service, "service");
    if (asked.add(service) || System.nanoTime() - readAtNanos > REFRESH_PERIOD.toNanos()) {
      refresh();
    }
    Instant end = ends.get(service);
    if (end == null) {
      return Optional.empty();
    }
    Duration since = Duration.between(end, clock.instant());
    return Optional.of(since.isNegative() ? Duration.ZERO : since);
  }

  private void refresh() {
    if (!refreshing.tryLock()) {
      return; // another caller reads the journal now; answer from the cache
    }
    try {
      ends.putAll(journal.lastSuccesses(Set.copyOf(asked)));
    } catch (RuntimeException e) {
      LOG.debug("Cannot read the last successes from the run journal; keeping the cached ones", e);
    } finally {
      readAtNanos = System.nanoTime();
      refreshing.unlock();
    }
  }
}
