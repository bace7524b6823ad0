package dev.loopwork;

import dev.loopwork.internal.SignalRelay;
import dev.loopwork.internal.Workers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Runs loop services: the clock their schedules read, the executor their iterations run on, and the
 * listeners that see every service it runs. {@link LoopService#start()} and {@link
 * LoopServices#runAll} use the {@linkplain #defaultEngine() default engine}; build your own to
 * inject a clock in tests or to add listeners.
 *
 * <pre>{@code
 * LoopEngine engine = LoopEngine.builder().listener(metrics).build();
 * LoopHandle handle = engine.start(new ExpireSessions());
 * }</pre>
 *
 * <p>Engines are immutable and thread-safe; one engine can run any number of services.
 */
public final class LoopEngine {
  private static final LoopEngine DEFAULT = builder().build();

  private final LoopClock clock;
  private final Executor executor;
  private final List<LoopListener> listeners;
  private final LoopCoordinator coordinator;
  private final Function<? super LoopService, LoopOptions> options;
  private final boolean timersRunOnExecutor;

  private LoopEngine(Builder builder) {
    this.clock = builder.clock;
    this.executor = builder.executor;
    this.timersRunOnExecutor = Workers.runsTimersOn(clock, executor);
    this.listeners = List.copyOf(builder.listeners);
    this.coordinator = builder.coordinator;
    this.options = builder.options;
  }

  /** The engine with the system clock, the shared worker pool and no listeners. */
  public static LoopEngine defaultEngine() {
    return DEFAULT;
  }

  /** A builder that starts from the default engine's parts. */
  public static Builder builder() {
    return new Builder();
  }

  /** The clock this engine's schedules read. */
  public LoopClock clock() {
    return clock;
  }

  Executor executor() {
    return executor;
  }

  /**
   * Whether the clock's timer actions already run on the executor's threads, so a wake-up needs no
   * hand-off.
   */
  boolean timersRunOnExecutor() {
    return timersRunOnExecutor;
  }

  /** Whether iterations run on Loopwork's own worker threads, which run nothing else. */
  boolean runsOnOwnThreads() {
    return Workers.isShared(executor);
  }

  List<LoopListener> listeners() {
    return listeners;
  }

  /** The options {@code service} runs with on this engine. */
  LoopOptions optionsOf(LoopService service) {
    return Objects.requireNonNull(options.apply(service), () -> "options of " + service.name());
  }

  /** The coordinator asked before each iteration, or {@code null} when every iteration runs. */
  LoopCoordinator coordinator() {
    return coordinator;
  }

  /**
   * Starts {@code service} without blocking; it runs until stopped.
   *
   * @throws IllegalStateException if the service is already running
   */
  public LoopHandle start(LoopService service) {
    return launch(service, 0);
  }

  /**
   * Starts {@code service} without blocking; it stops by itself after {@code loops} iterations.
   *
   * @throws IllegalArgumentException if {@code loops < 1}
   * @throws IllegalStateException if the service is already running
   */
  public LoopHandle start(LoopService service, long loops) {
    return launch(service, requireLoops(loops));
  }

  static long requireLoops(long loops) {
    if (loops < 1) {
      throw new IllegalArgumentException("loops must be at least 1: " + loops);
    }
    return loops;
  }

  /**
   * Runs all {@code services} concurrently and returns when all have ended. One SIGINT or SIGTERM
   * stops all of them gracefully (a second one exits at once); so does an interrupt of the calling
   * thread, after which this method returns with the interrupt status set. A fatal {@link
   * java.lang.Error} in one service, or a failed {@code onStart}, stops the others and is rethrown
   * once all have ended.
   *
   * @throws IllegalArgumentException if the collection is empty or holds the same service twice
   * @throws IllegalStateException if one of the services is already running (none is started then)
   */
  public void runAll(Collection<? extends LoopService> services) throws InterruptedException {
    List<LoopService> list = List.copyOf(services);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("services must not be empty");
    }
    if (list.stream().distinct().count() != list.size()) {
      throw new IllegalArgumentException("services must not hold the same service twice: " + list);
    }
    for (LoopService service : list) {
      if (service.isRunning()) {
        throw new IllegalStateException(
            "Loop service "
                + service.name()
                + " is already running. Current state: "
                + service.state());
      }
    }
    List<LoopRun> runs = new ArrayList<>(list.size());
    try (SignalRelay.Registration signals =
        SignalRelay.register(() -> running(runs), () -> stopAll(runs, false))) {
      for (LoopService service : list) {
        LoopRun run = launch(service, 0, false, () -> stopAll(runs, false));
        synchronized (runs) {
          runs.add(run);
        }
      }
      awaitAll(runs);
    }
  }

  /**
   * How many of {@code runs} have not ended, Loopwork's own services not counted (a signal's log
   * line counts the application's).
   */
  private static int running(List<LoopRun> runs) {
    synchronized (runs) {
      return (int)
          runs.stream()
              .filter(run -> !run.isDone() && !LoopService.isInternal(run.service().name()))
              .count();
    }
  }

  /**
   * Stops every run of {@code runs} through {@link BulkStop}; {@code callerHelps}: this thread may
   * do a share.
   */
  private void stopAll(List<LoopRun> runs, boolean callerHelps) {
    List<LoopRun> copy;
    synchronized (runs) {
      copy = new ArrayList<>(runs);
    }
    BulkStop.stop(copy, executor, clock, callerHelps);
  }

  /**
   * Stops every run in {@code handles} and waits until all have ended. The calling thread stops the
   * runs one by one; a run waiting for its next iteration ends there ({@code onStop}, state
   * changes, listeners), one in an iteration when the iteration returns. Each {@code onStop} is
   * isolated from the others: one that throws skips no other, and whenever one holds the stopping
   * up for 20 ms another thread of the engine's executor takes over the rest, so a slow {@code
   * onStop} delays no other. A failure of a run is not thrown here; {@link LoopHandle#await()}
   * reports it.
   *
   * <pre>{@code
   * List<LoopHandle> handles = services.stream().map(engine::start).toList();
   * ...
   * engine.stopAll(handles);
   * }</pre>
   *
   * @throws InterruptedException if this thread is interrupted while waiting (the stops go on)
   */
  public void stopAll(Collection<? extends LoopHandle> handles) throws InterruptedException {
    List<? extends LoopHandle> list =
        handles instanceof List ? (List<? extends LoopHandle>) handles : new ArrayList<>(handles);
    if (BulkStop.stop(list, executor, clock, true)) {
      return; // every run ended on this thread
    }
    for (LoopHandle handle : list) {
      if (handle instanceof LoopRun) {
        ((LoopRun) handle).awaitEnd();
      } else {
        awaitQuietly(handle);
      }
    }
  }

  private static void awaitQuietly(LoopHandle handle) throws InterruptedException {
    try {
      handle.await();
    } catch (RuntimeException | Error failure) {
      // reported to whoever awaits the handle
    }
  }

  /** Waits for every run; rethrows the first fatal Error, else the first other failure. */
  private void awaitAll(List<LoopRun> runs) {
    boolean interrupted = false;
    for (LoopRun run : runs) {
      interrupted |= run.awaitEndThroughInterrupts(() -> stopAll(runs, true));
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    runs.stream()
        .filter(r -> r.failure() instanceof Error)
        .findFirst()
        .ifPresent(LoopRun::rethrowFailure);
    runs.forEach(LoopRun::rethrowFailure);
  }

  LoopRun launch(LoopService service, long loops) {
    return launch(service, loops, optionsOf(service).handleSignals());
  }

  private LoopRun launch(LoopService service, long loops, boolean handleSignals) {
    return launch(service, loops, handleSignals, null);
  }

  /**
   * Launches a run; {@code onFailure}, if not null, is called on the thread that ends the run if it
   * failed.
   */
  private LoopRun launch(
      LoopService service, long loops, boolean handleSignals, Runnable onFailure) {
    LoopRun run = new LoopRun(Objects.requireNonNull(service, "service"), this, loops);
    if (onFailure != null) {
      run.onEnd(
          () -> {
            if (run.failure() != null) {
              onFailure.run();
            }
          });
    }
    run.launch(handleSignals);
    return run;
  }

  /** Builds a {@link LoopEngine}. */
  public static final class Builder {
    private LoopClock clock = LoopClock.system();
    private Executor executor = Workers.shared();
    private final List<LoopListener> listeners = new ArrayList<>();
    private LoopCoordinator coordinator;
    private Function<? super LoopService, LoopOptions> options = LoopService::options;

    private Builder() {}

    /**
     * The clock set so far: the one the engine's schedules will read, which whatever works beside
     * the engine (a coordinator's leases, say) should read too.
     */
    public LoopClock clock() {
      return clock;
    }

    /** The clock that schedules read (default: {@link LoopClock#system()}). */
    public Builder clock(LoopClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The executor that iterations and hooks run on. The default is a shared pool of daemon threads
     * that also wait for the system clock's timers, so that a due iteration runs on the thread that
     * woke for it, and that adds threads while iterations block, so a slow iteration never holds up
     * other services for long. On Java 21 and later, {@code
     * Executors.newVirtualThreadPerTaskExecutor()} suits services whose iterations mostly block on
     * I/O (at the price of more CPU and memory per iteration, see the benchmarks). The executor
     * must not run tasks on the calling thread unless the clock is a manual one, since timers hand
     * their work to it.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Adds a listener that sees every service this engine runs. */
    public Builder listener(LoopListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * The coordinator that decides, before each due iteration, whether it runs in this process
     * (default: none, every iteration runs). See {@link LoopCoordinator}.
     */
    public Builder coordinator(LoopCoordinator coordinator) {
      this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
      return this;
    }

    /**
     * How this engine decides the options each service runs with (default: the service's own {@link
     * LoopService#options()}). A host that owns the process uses it to apply its configuration, for
     * example:
     *
     * <pre>{@code
     * builder.options(service -> service.options().toBuilder().handleSignals(false).build());
     * }</pre>
     *
     * An interval left empty in the returned options means the service's own {@link
     * LoopService#loopInterval()}, unless they set a {@linkplain LoopOptions#schedule() calendar
     * schedule}.
     */
    public Builder options(Function<? super LoopService, LoopOptions> options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** The engine. */
    public LoopEngine build() {
      return new LoopEngine(this);
    }
  }
}
