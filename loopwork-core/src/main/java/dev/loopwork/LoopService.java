package dev.loopwork;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A maintenance routine that runs periodically: subclass it, implement {@link #runOnce()}, and
 * start it.
 *
 * <pre>{@code
 * class ExpireSessions extends LoopService {
 *   ExpireSessions() { super(Duration.ofSeconds(30)); }
 *
 *   @Override protected void runOnce() {
 *     sessions.deleteExpired();
 *   }
 * }
 *
 * new ExpireSessions().start();          // blocks until stopped, by stop() or by SIGINT/SIGTERM
 * }</pre>
 *
 * <p><b>Schedule.</b> Each iteration is due one interval after the previous one was due, so wake-up
 * delays never add up. An iteration that runs past the next due time is followed at once by the
 * next one, and the schedule re-anchors there: there is never a burst of catch-up runs. Such an
 * overrun is logged at WARN. A calendar service runs at the fires of a {@link CalendarSchedule}
 * instead (a cron expression in a time zone): see {@link LoopOptions.Builder#schedule}.
 *
 * <p><b>Errors.</b> An exception from {@code runOnce} is logged at ERROR with its stack trace and
 * the loop goes on. A {@link java.lang.Error} ends the loop: {@code onStop} runs and {@link
 * #start()} rethrows it.
 *
 * <p><b>Threads.</b> The hooks {@link #onStart()}, {@link #runOnce()} and {@link #onStop()} of one
 * service never run concurrently with each other and need no extra synchronisation; each one sees
 * what the previous one wrote. While a service waits for its next iteration it holds no thread.
 * Each service logs through the SLF4J logger {@code loopwork.services.<name in lower case>}.
 */
public abstract class LoopService {

  /**
   * The loop interval of a service whose class does not override {@link #defaultLoopInterval()}: 60
   * seconds.
   */
  public static final Duration DEFAULT_LOOP_INTERVAL = Duration.ofSeconds(60);

  /**
   * The name prefix of Loopwork's own services (the run journal's pruner, the host's presence),
   * reserved for them: metrics label them internal and a signal's log line does not count them.
   */
  public static final String INTERNAL_NAME_PREFIX = "loopwork-";

  private final LoopOptions options;
  // The three fields below start null, standing for no listeners, NEW and no token: a volatile
  // field set in its declaration costs a memory fence per service made, and 100,000 services
  // should cost nothing. Listeners are copied on change: most services never have their own.
  private volatile List<LoopListener> listeners;
  private volatile LoopState state;
  // The current run, or the last one once it has ended: the stop flag belongs to the run, so that a
  // handle of an
  // earlier run never stops a later one.
  private volatile LoopRun run;
  private volatile Logger logger;
  private volatile OptionalLong fencingToken;

  /**
   * A service with the class's {@link #defaultLoopInterval()} that stops gracefully on SIGINT and
   * SIGTERM.
   */
  protected LoopService() {
    this(LoopOptions.defaults());
  }

  /**
   * A service with the given interval that stops gracefully on SIGINT and SIGTERM.
   *
   * @param loopInterval the interval between iteration starts; zero runs iterations back to back;
   *     {@code null} means the class's {@link #defaultLoopInterval()}
   * @throws IllegalArgumentException if the interval is negative
   */
  protected LoopService(Duration loopInterval) {
    this(loopInterval, true);
  }

  /**
   * A service with the given interval and signal handling.
   *
   * @param loopInterval the interval between iteration starts; {@code null} means {@link
   *     #defaultLoopInterval()}
   * @param handleSignals whether SIGINT and SIGTERM stop this service gracefully
   * @throws IllegalArgumentException if the interval is negative
   */
  protected LoopService(Duration loopInterval, boolean handleSignals) {
    this(LoopOptions.builder().loopInterval(loopInterval).handleSignals(handleSignals).build());
  }

  /** A service with the given options (interval, signals, timeout, jitter, back-off). */
  protected LoopService(LoopOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * A service whose iteration is a lambda.
   *
   * <pre>{@code
   * LoopService.of("refresh-cache", Duration.ofMinutes(5), cache::refresh).start();
   * }</pre>
   *
   * @throws IllegalArgumentException if the name is blank or the interval negative
   */
  public static LoopService of(String name, Duration loopInterval, LoopBody body) {
    Objects.requireNonNull(loopInterval, "loopInterval");
    return of(name, LoopOptions.builder().loopInterval(loopInterval).build(), body);
  }

  /**
   * A service whose iteration is a lambda, with full options, which set either a loop interval or a
   * {@linkplain LoopOptions.Builder#schedule schedule}.
   *
   * <pre>{@code
   * LoopService.of("rebuild-statistics",
   *     LoopOptions.builder().schedule(CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin"))).build(),
   *     statistics::rebuild).start();
   * }</pre>
   *
   * @throws IllegalArgumentException if the name is blank
   * @throws NullPointerException if the options set neither an interval nor a schedule
   */
  public static LoopService of(String name, LoopOptions options, LoopBody body) {
    return new LambdaLoopService(name, options, body);
  }

  /**
   * The interval of this class's services when none is given to the constructor. Override it to
   * give a subclass its own default; the base returns {@link #DEFAULT_LOOP_INTERVAL}.
   */
  protected Duration defaultLoopInterval() {
    return DEFAULT_LOOP_INTERVAL;
  }

  /**
   * The interval between iteration starts: the constructor's value, else {@link
   * #defaultLoopInterval()}. A calendar service (one whose options set a {@linkplain
   * LoopOptions#schedule() schedule}) does not use it.
   *
   * @throws IllegalArgumentException if {@code defaultLoopInterval()} returns null or a negative
   *     value
   */
  public Duration loopInterval() {
    Duration interval = options.loopInterval().orElse(null);
    if (interval == null) {
      interval =
          Objects.requireNonNull(
              defaultLoopInterval(), () -> getClass().getName() + ".defaultLoopInterval()");
      LoopOptions.requireNotNegative("loopInterval", interval);
    }
    return interval;
  }

  /**
   * The service's name, used in logs and reports; by default the class's simple name (for an
   * anonymous class, its binary name without the package, such as {@code Jobs$1}).
   */
  public String name() {
    Class<?> type = getClass();
    String simple = type.getSimpleName();
    return simple.isEmpty()
        ? type.getName().substring(type.getName().lastIndexOf('.') + 1)
        : simple;
  }

  /**
   * Whether the service named {@code name} is one of Loopwork's own: its name starts with {@value
   * #INTERNAL_NAME_PREFIX}.
   */
  public static boolean isInternal(String name) {
    return name.startsWith(INTERNAL_NAME_PREFIX);
  }

  /** The options this service was built with. */
  public final LoopOptions options() {
    return options;
  }

  /**
   * One iteration. An exception is logged at ERROR and the loop goes on; a {@link java.lang.Error}
   * ends it. Check {@link Thread#isInterrupted()} in long iterations: an interrupt means the
   * iteration timed out or the service is asked to stop.
   */
  protected abstract void runOnce() throws Exception;

  /**
   * Runs once per start, before the first iteration. If it throws, nothing iterates, {@link
   * #onStop()} still runs so that what was taken half-way can be released, and {@link #start()}
   * throws {@link LoopStartException}.
   */
  protected void onStart() throws Exception {}

  /**
   * Runs once per start, after the last iteration, also when iterations failed or {@link
   * #onStart()} threw.
   */
  protected void onStop() throws Exception {}

  /**
   * Runs the service until it is stopped, by {@link #stop()}, by SIGINT/SIGTERM (when it handles
   * signals) or by an interrupt of the calling thread. Blocks the caller; the iterations run on
   * Loopwork's worker threads.
   *
   * @throws IllegalStateException if the service is already running
   * @throws LoopStartException if {@link #onStart()} failed
   * @throws Error the {@link java.lang.Error} that ended the loop, if one did
   * @throws InterruptedException never in practice: an interrupt is a stop request, after which
   *     this method returns normally with the thread's interrupt status set
   */
  public final void start() throws InterruptedException {
    awaitEnd(LoopEngine.defaultEngine().launch(this, 0));
  }

  /**
   * Runs {@code loops} iterations (fewer if stopped earlier), then stops; blocks the caller. Handy
   * in tests: {@code service.start(1)} runs the hooks and exactly one iteration.
   *
   * @throws IllegalArgumentException if {@code loops < 1}
   * @throws IllegalStateException if the service is already running
   * @throws LoopStartException if {@link #onStart()} failed
   * @throws InterruptedException never in practice: see {@link #start()}
   */
  public final void start(long loops) throws InterruptedException {
    awaitEnd(LoopEngine.defaultEngine().launch(this, LoopEngine.requireLoops(loops)));
  }

  /**
   * Starts the service without blocking and returns a handle to stop it or wait for it. While the
   * service waits for its next iteration, no thread is held.
   *
   * @throws IllegalStateException if the service is already running
   */
  public final LoopHandle startAsync() {
    return LoopEngine.defaultEngine().start(this);
  }

  /** Requests a graceful stop and waits for the loop to end; same as {@code stop(true)}. */
  public final void stop() {
    stop(true);
  }

  /**
   * Requests a graceful stop: a running iteration is not interrupted and finishes, then the loop
   * ends; a loop that is waiting for its next iteration ends at once, running {@link #onStop()} on
   * the calling thread. With {@code block}, waits until the loop has ended and {@code onStop} has
   * run, but at most one loop interval (then a WARN says so). Called from inside the service's own
   * hooks it never waits (that would deadlock). On a service that is not running it returns at
   * once. Idempotent and thread-safe.
   */
  public final void stop(boolean block) {
    LoopRun current = run;
    if (current == null) {
      return;
    }
    current.requestStop();
    if (block) {
      current.awaitStopped();
    }
  }

  /**
   * Asks for one extra iteration as soon as possible, without changing the schedule: a waiting
   * service runs it at once, a busy one right after its current iteration; requests made while one
   * is pending count once. With a {@link LoopCoordinator}, the extra iteration runs only where the
   * coordinator allows the service to run; if it answers with a {@linkplain
   * IterationPermit#deferred deferral}, the service asks again after it, as for any due iteration.
   *
   * @return whether the service is running (otherwise nothing happens)
   */
  public final boolean runNow() {
    LoopRun current = run;
    if (current == null || !state().isActive()) {
      return false;
    }
    current.runNow();
    return true;
  }

  /**
   * Whether a run is in progress: from the start of {@code onStart} to the end of {@code onStop}.
   */
  public final boolean isRunning() {
    return state().isActive();
  }

  /**
   * Whether a stop was requested for the current (or last) run. It is reset when the service starts
   * again, and is {@code true} after {@code start(loops)} completed its loops.
   */
  public final boolean isStopRequested() {
    LoopRun current = run;
    return current != null && current.isStopRequested();
  }

  /** The current lifecycle state; reading it never blocks. */
  public final LoopState state() {
    LoopState current = state;
    return current != null ? current : LoopState.NEW;
  }

  /**
   * Adds a listener for this service's state changes and iterations; effective from the next start.
   */
  public final synchronized void addListener(LoopListener listener) {
    List<LoopListener> changed = new ArrayList<>(listeners());
    changed.add(Objects.requireNonNull(listener, "listener"));
    listeners = List.copyOf(changed);
  }

  /** Removes a listener added with {@link #addListener}; effective from the next start. */
  public final synchronized void removeListener(LoopListener listener) {
    List<LoopListener> changed = new ArrayList<>(listeners());
    changed.remove(listener);
    listeners = List.copyOf(changed);
  }

  /**
   * The fencing token of the running iteration, when the engine has a {@link LoopCoordinator}: a
   * number that grows every time the service changes owner between processes. Pass it along with
   * the iteration's writes (e.g. {@code UPDATE ... WHERE fencing_token <= ?}) so that the writes of
   * an owner that lost its lease are refused. Empty outside an iteration and when the engine has no
   * coordinator.
   */
  protected final OptionalLong fencingToken() {
    OptionalLong token = fencingToken;
    return token != null ? token : OptionalLong.empty();
  }

  /** The logger of this service: {@code loopwork.services.<name in lower case>}. */
  protected final Logger logger() {
    Logger l = logger;
    if (l == null) {
      l = LoggerFactory.getLogger("loopwork.services." + name().toLowerCase(Locale.ROOT));
      logger = l;
    }
    return l;
  }

  @Override
  public String toString() {
    return name() + "[" + state() + "]";
  }

  // --- called by LoopRun and LoopEngine, never by users ---

  List<LoopListener> listeners() {
    List<LoopListener> current = listeners;
    return current != null ? current : List.of();
  }

  /**
   * Claims the service for a new run, which brings its own stop flag, and enters STARTING; returns
   * the old state.
   */
  synchronized LoopState attach(LoopRun newRun) {
    LoopState previous = state();
    if (previous.isActive()) {
      throw new IllegalStateException(
          "Loop service " + name() + " is already running. Current state: " + previous);
    }
    run = newRun;
    state = LoopState.STARTING;
    return previous;
  }

  void setFencingToken(OptionalLong token) {
    fencingToken = token;
  }

  void setState(LoopState newState) {
    state = newState;
  }

  private static void awaitEnd(LoopRun run) {
    if (run.awaitEndThroughInterrupts(run::requestStop)) {
      Thread.currentThread().interrupt();
    }
    run.rethrowFailure();
  }

  private static final class LambdaLoopService extends LoopService {
    private final String name;
    private final LoopBody body;

    LambdaLoopService(String name, LoopOptions options, LoopBody body) {
      super(options);
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank: \"" + name + "\"");
      }
      this.name = name;
      this.body = Objects.requireNonNull(body, "body");
      if (options.loopIntervalOrNull() == null && options.scheduleOrNull() == null) {
        throw new NullPointerException("options.loopInterval or options.schedule");
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    protected void runOnce() throws Exception {
      body.runOnce();
    }
  }
}
