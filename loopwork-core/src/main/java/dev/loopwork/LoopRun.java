package dev.loopwork;

import dev.loopwork.internal.DurationFormat;
import dev.loopwork.internal.SignalRelay;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One run of a loop service, from {@code onStart} to {@code onStop}, driven by timers and executor
 * tasks so that no thread is held between iterations. At most one task of a run executes at a time:
 * each task either arms the next timer or finishes the run before it returns, so the fields below
 * need no lock; where {@link #requestStop}, {@link #runNow} or the coordinator's {@code askAgain}
 * (any thread) meets the loop, the wake-up timer's cancel decides who goes on.
 */
final class LoopRun implements LoopHandle {
  /**
   * How long {@code stop(true)} waits for a zero-interval service, whose "one interval" would be no
   * wait at all.
   */
  private static final Duration ZERO_INTERVAL_STOP_GRACE = Duration.ofSeconds(1);

  private final LoopService service;
  // The engine's clock, executor and coordinator are read through it: one reference per run instead
  // of three.
  private final LoopEngine engine;
  private final Listeners listeners;
  private final String name;
  // The interval's arithmetic (a calendar service's period stands for the interval), and the
  // timeout and initial delay: both shared by the services that run with the same options, so that
  // a run carries only what is its own.
  private final FixedInterval interval;
  private final LoopOptions options;
  private final long loopLimit;
  // A calendar service's place in its schedule; null for an interval service, whose loop pays only
  // the null checks.
  private final CalendarCursor calendar;

  // The run's end, published once by finish(): what failed it (written before ended), and what to
  // call then.
  // Waiters wait on this run's monitor; a run object of its own instead of a future saves an object
  // per service.
  private volatile boolean ended;
  // Whether a thread waits (or is about to wait) on this run's monitor for its end, so that
  // finish() takes the
  // monitor to notify only then (most runs are never awaited one by one). Both volatile: a waiter
  // writes awaited and
  // then reads ended, finish() writes ended and then reads awaited, so at least one of them sees
  // the other's write.
  private volatile boolean awaited;
  private Throwable endFailure;
  private Runnable endAction;
  // The id of the thread running a step of the loop, 0 when none: a number, not the Thread, so that
  // setting it
  // twice an iteration costs the garbage collector no reference tracking. Plain, not volatile: it
  // is only compared
  // with the reading thread's own id, and a thread always sees its own last write, so a stale value
  // read by another
  // thread can never equal that thread's id.
  private long loopThreadId;
  // This run's stop flag: set once, never reset (a new start makes a new run).
  private volatile boolean stopRequested;
  private SignalRelay.Registration signalRegistration;

  // Whether the run has begun (onStart was called), so that its wake-up timer now waits for an
  // iteration rather
  // than for the start; an extra iteration asked for while the loop was not waiting.
  private volatile boolean begun;
  private volatile boolean extraRequested;
  // Guarded by this: whether the run has finished.
  private boolean finished;

  // Armed while the loop waits for its next iteration. Whoever cancels it (a stop, runNow, or the
  // loop itself when
  // a request came while it armed) owns the next step; see arm().
  private final LoopClock.Timer wakeTimer;

  // Confined to the run's tasks, which run one after another.
  private long due;
  // Whether due is only when to ask the coordinator again after a deferral, not an iteration of the
  // schedule.
  private boolean dueIsRetry;
  // Whether the loop waits after a due iteration its coordinator skipped on purpose: askAgain (a
  // resume) then asks at once, so the skipped iteration runs without waiting for the next one.
  private boolean dueAfterSkip;
  private long iterations;
  private int consecutiveFailures;
  private Throwable startFailure;
  private Throwable fatal;
  private LoopCoordinator.Membership membership;

  LoopRun(LoopService service, LoopEngine engine, long loopLimit) {
    this.service = service;
    this.engine = engine;
    this.listeners = Listeners.of(engine.listeners(), service.listeners());
    this.name = service.name();
    this.options = engine.optionsOf(service);
    CalendarSchedule schedule = options.scheduleOrNull();
    if (schedule == null) {
      Duration configured = options.loopIntervalOrNull();
      this.interval =
          options.fixedInterval(
              (configured != null ? configured : service.loopInterval()).toNanos());
      this.calendar = null;
    } else {
      // The period stands for the interval where one is needed: the coordinator, stop(true), the
      // timer's leeway, the jitter.
      this.interval = options.fixedInterval(requirePositivePeriod(schedule).toNanos());
      this.calendar =
          new CalendarCursor(
              service, schedule, options.misfireGrace().orElse(null), options.jitterNanos);
    }
    this.loopLimit = loopLimit;
    // Made here, not at the first wake-up: linking a lambda in a fresh JVM takes milliseconds. A
    // calendar service's fires are instants of the wall clock, met exactly: no leeway.
    this.wakeTimer =
        engine.clock().newTimer(this::wake, calendar == null ? interval.wakeLeewayNanos() : 0);
  }

  private Duration requirePositivePeriod(CalendarSchedule schedule) {
    Duration period =
        Objects.requireNonNull(schedule.period(), () -> "period() of " + schedule.description());
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException(
          "the period of the schedule of "
              + name
              + " must be positive: "
              + period
              + " for "
              + schedule.description());
    }
    return period;
  }

  /** The wake-up timer's action: the next iteration is due. */
  private void wake() {
    if (!engine.timersRunOnExecutor()) {
      submit(this::runDueIterations);
      return;
    }
    long self = enterLoopThread(); // as asLoopThread, without a Runnable per wake-up
    try {
      if (begun) {
        runDueIterations();
      } else {
        begin();
      }
    } finally {
      exitLoopThread(self);
    }
  }

  /**
   * Claims the service and starts the run on the executor, stopped by SIGINT/SIGTERM if asked;
   * returns at once.
   */
  void launch(boolean handleSignals) {
    LoopState previous = service.attach(this);
    listeners.stateChanged(service, previous, LoopState.STARTING);
    if (handleSignals) {
      signalRegistration = SignalRelay.register(this::requestStopAsync);
    }
    if (engine.timersRunOnExecutor()) {
      wakeTimer.schedule(
          engine.clock().nanoTime()); // the first wake-up begins the run: no task object per start
      return;
    }
    try {
      submit(this::begin);
    } catch (RuntimeException e) {
      startFailure = e;
      finish();
      throw e;
    }
  }

  @Override
  public LoopService service() {
    return service;
  }

  @Override
  public void stop() {
    requestStop();
  }

  @Override
  public boolean isDone() {
    return ended;
  }

  @Override
  public void await() throws InterruptedException {
    awaitEnd();
    rethrowFailure();
  }

  @Override
  public boolean await(Duration timeout) throws InterruptedException {
    if (!awaitEnd(timeout.toNanos())) {
      return false;
    }
    rethrowFailure();
    return true;
  }

  /**
   * Waits until the run has ended, whether it failed or not; {@link #await()} is the one that
   * reports failures.
   */
  void awaitEnd() throws InterruptedException {
    if (!ended) {
      synchronized (this) {
        awaited = true;
        while (!ended) {
          wait();
        }
      }
    }
  }

  /** As {@link #awaitEnd()}, at most {@code nanos}; returns whether the run has ended. */
  private boolean awaitEnd(long nanos) throws InterruptedException {
    if (ended) {
      return true;
    }
    long deadline = System.nanoTime() + nanos;
    synchronized (this) {
      awaited = true;
      long left;
      while (!ended && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return ended;
    }
  }

  /**
   * Sets what to call once the run has ended (on the thread that ends it); call before {@link
   * #launch}.
   */
  void onEnd(Runnable action) {
    this.endAction = action;
  }

  /**
   * Waits until the run has ended without being interruptible: an interrupt of this thread runs
   * {@code onInterrupt} (a stop request) and the wait goes on. Returns whether the thread was
   * interrupted meanwhile; the caller restores its interrupt status once it has nothing more to
   * wait for.
   */
  boolean awaitEndThroughInterrupts(Runnable onInterrupt) {
    boolean interrupted = false;
    while (!ended) {
      try {
        awaitEnd();
      } catch (InterruptedException e) {
        interrupted = true;
        onInterrupt.run();
      }
    }
    return interrupted;
  }

  /** Throws what ended the run, if it failed: the fatal Error or a LoopStartException. */
  void rethrowFailure() {
    Throwable failure = failure();
    if (failure != null) {
      throw rethrow(failure);
    }
  }

  /** What ended the run, if it failed; null while running or after a normal end. */
  Throwable failure() {
    return ended ? endFailure : null;
  }

  /**
   * Sets the stop flag and wakes a waiting loop at once; a loop that was waiting ends on this
   * thread (its {@code onStop}, listeners and coordinator release run here). Safe from any thread.
   * Returns whether the run ended here.
   */
  boolean requestStop() {
    if (cancelWait()) {
      // No hand-off to the executor makes the stop immediate, and the caller usually waits for the
      // end anyway.
      finishHere();
      return true;
    }
    return false;
  }

  /**
   * Sets the stop flag and wakes a waiting loop at once, without doing its shutdown work on this
   * thread: a loop that was waiting ends in a task of its own on the executor. A signal handler
   * uses it, so that the services' {@code onStop} hooks run in parallel, each isolated from the
   * others; many runs at once go through {@link BulkStop}.
   */
  void requestStopAsync() {
    if (cancelWait()) {
      try {
        submit(this::finish);
      } catch (RuntimeException rejected) {
        finishHere(); // the executor refused the task: end the run here rather than never
      }
    }
  }

  /**
   * Sets the stop flag; returns whether the loop was waiting for its next iteration and now never
   * wakes, in which case the caller must end the run with {@link #finishHere()}.
   */
  boolean cancelWait() {
    stopRequested = true;
    return begun
        && wakeTimer.cancel(); // before it has begun, the run begins, sees the flag and ends
  }

  /** Ends a run whose wait was cancelled, on this thread. */
  void finishHere() {
    long self = enterLoopThread(); // as asLoopThread, without a Runnable per run
    try {
      finish();
    } finally {
      exitLoopThread(self);
    }
  }

  /** The clock this run's schedule reads. */
  LoopClock clock() {
    return engine.clock();
  }

  /** The executor this run's iterations and hooks run on. */
  Executor executor() {
    return engine.executor();
  }

  /** Whether a stop was requested for this run (or it completed its loops). */
  boolean isStopRequested() {
    return stopRequested;
  }

  /**
   * The blocking half of {@code stop(true)}: waits for the end, at most one interval, never on the
   * loop's thread.
   */
  void awaitStopped() {
    if (Thread.currentThread().getId() == loopThreadId) {
      log()
          .warn(
              "stop(true) was called on {} but from inside the service itself, where waiting for the loop to end "
                  + "would deadlock; returning at once. Use stop(false) inside a loop service.",
              name);
      return;
    }
    Duration limit = interval.intervalNanos == 0 ? ZERO_INTERVAL_STOP_GRACE : interval();
    try {
      if (!awaitEnd(limit.toNanos())) {
        log()
            .warn(
                "stop(true) was called on {} but more than one loop interval ({}) has passed and it is still {}. "
                    + "This usually means an iteration is stuck.",
                name,
                DurationFormat.seconds(limit),
                service.state());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The run's loop interval (made when needed: the run keeps only its nanoseconds). */
  private Duration interval() {
    return Duration.ofNanos(interval.intervalNanos);
  }

  /**
   * The service's logger, looked up on first use only: most services never log, and some logging
   * backends take time that grows with the number of loggers to create one, which would make
   * starting 100,000 services slow.
   */
  private Logger log() {
    return service.logger();
  }

  /**
   * Runs a step of the loop on this thread, marking it as the loop's thread so that stop(true)
   * never waits here.
   */
  private void asLoopThread(Runnable step) {
    long self = enterLoopThread();
    try {
      step.run();
    } finally {
      exitLoopThread(self);
    }
  }

  private long enterLoopThread() {
    long self = Thread.currentThread().getId();
    loopThreadId = self;
    return self;
  }

  /**
   * Clears the mark, unless the next step (on another thread, when a timer fired at once) has set
   * its own.
   */
  private void exitLoopThread(long self) {
    if (loopThreadId == self) {
      loopThreadId = 0;
    }
  }

  /** Hands a step of the loop to the executor. */
  private void submit(Runnable step) {
    engine
        .executor()
        .execute(
            () -> {
              asLoopThread(step);
              Thread.interrupted(); // never hand an interrupted thread back to the pool
            });
  }

  private void begin() {
    begun = true; // from now on a stop or runNow may cancel the wake-up timer
    try {
      LoopCoordinator coordinator = engine.coordinator();
      if (coordinator != null) {
        membership = coordinator.join(service, interval(), this::askCoordinatorAgain);
      }
      service.onStart();
      if (calendar != null) {
        calendar.start(engine.clock().instant());
      }
    } catch (Throwable t) {
      log().error("Loop service {} failed to start; running onStop and giving up", name, t);
      startFailure = t;
      finish();
      return;
    }
    transition(LoopState.STARTING, LoopState.RUNNING);
    due = engine.clock().nanoTime() + options.initialDelayNanos;
    runIterations(options.initialDelayNanos == 0 ? Step.DUE : Step.WAIT);
  }

  /**
   * Runs iterations while they are due, then arms the timer for the next one or finishes the run.
   */
  private void runDueIterations() {
    runIterations(Step.DUE);
  }

  /**
   * The coordinator's {@code askAgain} (any thread): ends a wait to ask it again after a deferral.
   * Whoever cancels the wake-up timer owns the next step (see {@link #arm}), here {@link
   * #askAgainNow}.
   */
  private void askCoordinatorAgain() {
    if (begun && wakeTimer.cancel()) {
      submit(this::askAgainNow);
    }
  }

  /**
   * Asks the coordinator now if the loop waited to ask it again (after a deferral or a skip); a
   * wait for a due iteration is armed again (a calendar service first takes where its schedule goes
   * on, see {@link #calendarFireRuns}).
   */
  private void askAgainNow() {
    if (dueIsRetry || dueAfterSkip || calendar != null) {
      if (dueAfterSkip) {
        dueIsRetry = true; // a calendar service then runs the fire it skipped, as a deferred one
      }
      due = engine.clock().nanoTime();
      runIterations(Step.DUE);
    } else {
      runIterations(Step.WAIT);
    }
  }

  /** How {@link #runIterations} begins. */
  private enum Step {
    /** With the iteration that is due. */
    DUE,
    /** With an extra iteration asked for with {@link #runNow()}. */
    EXTRA,
    /** With the wait for the next due iteration. */
    WAIT
  }

  /**
   * Runs iterations while they are due or asked for, then arms the timer for the next one or
   * finishes the run.
   */
  private void runIterations(Step first) {
    boolean extra = first == Step.EXTRA;
    boolean ask = first != Step.WAIT;
    boolean waiting = false;
    try {
      while (!isEnding()) {
        // Each pass: the previous iteration may have cleared the thread's MDC, or the thread came
        // from another service.
        IterationMdc.enterService(name);
        long now = ask ? askAndRun(extra) : engine.clock().nanoTime();
        ask = true;
        if (isEnding()) {
          break;
        }
        long wakeAt = interval.wakeAt(due, ThreadLocalRandom.current());
        extra = false;
        if (wakeAt - now > 0) {
          Wake wake = arm(wakeAt);
          if (wake == Wake.ARMED) {
            waiting = true;
            return;
          }
          if (wake == Wake.END) {
            break;
          }
          extra = true;
        }
      }
    } finally {
      if (waiting) {
        IterationMdc.exitTask(engine.runsOnOwnThreads());
      } else {
        IterationMdc.exitRun();
      }
    }
    finish();
  }

  /**
   * Asks the coordinator, if any, and runs the iteration if allowed; returns the clock's reading
   * after it.
   */
  private long askAndRun(boolean extra) {
    if (calendar != null && !extra && !calendarFireRuns()) {
      return engine.clock().nanoTime();
    }
    IterationPermit permit = membership == null ? null : askPermit(extra);
    if (!extra) {
      dueAfterSkip = permit != null && permit.isSkipped();
    }
    if (permit == null || permit.isGranted()) {
      return iterate(permit, extra);
    }
    if (permit.isSkipped()) {
      listeners.iterationSkipped(service, permit.skipReason());
    }
    if (!extra || !permit.deferral().isZero()) {
      due = skippedDue(permit); // a deferral sets the next ask, even for an extra iteration
      dueIsRetry = !permit.deferral().isZero();
    }
    return engine.clock().nanoTime();
  }

  /**
   * Whether a calendar service's due iteration runs now: its fire has come, or, when the loop asks
   * again after a deferral, the deferred fire runs, unless the next fire has come meanwhile, which
   * the iteration then stands for (never both: a new owner whose first fire was deferred runs
   * once). First, a coordinator's last recorded fire moves the schedule after it.
   */
  private boolean calendarFireRuns() {
    if (membership != null) {
      continueAfterRecordedFire();
      if (fatal != null) {
        return false;
      }
    }
    if (!dueIsRetry) {
      return isFireDue();
    }
    if (calendar.waitNanos(engine.clock().instant()) > 0) {
      return true;
    }
    Instant deferred = calendar.current();
    if (!isFireDue()) {
      return false;
    }
    if (deferred != null && membership.isHolder()) {
      // Deferred where it would run (say, its database was away): a fire that did not run. A
      // standby's deferred fires are the holder's to run.
      calendar.deferredFireSkipped(deferred, engine.clock().instant());
    }
    return true;
  }

  /**
   * Whether the calendar's fire has come; if not, sets when to look again, or ends the run when the
   * schedule has no fire left (or failed).
   */
  private boolean isFireDue() {
    long now = engine.clock().nanoTime();
    long wait;
    try {
      wait = calendar.check(engine.clock().instant());
    } catch (RuntimeException e) {
      scheduleFailed(e);
      return false;
    }
    if (wait == CalendarCursor.RUN) {
      return true;
    }
    if (wait == CalendarCursor.END) {
      log().info("Loop service {} has no fire time left in its schedule; stopping", name);
      stopRequested = true;
    } else {
      due = now + wait;
    }
    return false;
  }

  /** A schedule that throws ends the run as failed: its fires can no longer be known. */
  private void scheduleFailed(RuntimeException e) {
    log().error("The schedule of loop service {} failed; stopping", name, e);
    fatal = e;
  }

  /** After an iteration of a calendar service: the overrun check and when to look again. */
  private boolean calendarIterationEnded(long end, long took) {
    Instant endInstant = engine.clock().instant();
    boolean overrun = false;
    try {
      overrun = calendar.iterationEnded(endInstant, Duration.ofNanos(took));
      due = end + calendar.waitNanos(endInstant);
    } catch (RuntimeException e) {
      scheduleFailed(e);
    }
    dueIsRetry = false;
    return overrun;
  }

  /**
   * When this process has begun to run the service, its coordinator tells the latest fire any
   * process recorded: the schedule goes on after it (see {@link
   * LoopCoordinator.Membership#takeLastRecordedFire}).
   */
  private void continueAfterRecordedFire() {
    Optional<Instant> recorded;
    try {
      recorded = membership.takeLastRecordedFire();
    } catch (RuntimeException e) {
      log()
          .warn(
              "The coordinator of loop service {} failed to tell its last recorded fire", name, e);
      return;
    }
    if (recorded.isPresent()) {
      try {
        calendar.continueAfter(recorded.get());
      } catch (RuntimeException e) {
        scheduleFailed(e);
      }
      dueIsRetry = false;
    }
  }

  private IterationPermit askPermit(boolean extra) {
    try {
      return Objects.requireNonNull(
          calendar != null && !extra ? membership.permit(calendar.current()) : membership.permit(),
          "permit");
    } catch (RuntimeException e) {
      log()
          .warn(
              "The coordinator of loop service {} failed to answer; skipping the due iteration",
              name,
              e);
      return IterationPermit.denied();
    }
  }

  /**
   * After a denial the schedule goes on as if the iteration had run on time; a deferral sets the
   * next ask.
   */
  private long skippedDue(IterationPermit permit) {
    long now = engine.clock().nanoTime();
    if (!permit.deferral().isZero()) {
      return now + permit.deferral().toNanos();
    }
    if (calendar != null) {
      return now + calendar.waitNanos(engine.clock().instant()); // the fire counts as run
    }
    return interval.afterDenial(due, now);
  }

  private boolean isEnding() {
    return fatal != null || stopRequested;
  }

  /** What the loop does instead of running the next due iteration now. */
  private enum Wake {
    ARMED,
    END,
    EXTRA_ITERATION
  }

  /**
   * Arms the wake-up timer, without a lock: a stop or runNow that comes while it arms either sees
   * the timer armed and cancels it (and then ends the run or runs the extra iteration itself), or
   * is seen here after arming, and the loop cancels the timer itself. Exactly one cancel succeeds,
   * so exactly one of them takes the next step.
   */
  private Wake arm(long wakeAt) {
    if (stopRequested) {
      return Wake.END;
    }
    if (extraRequested) {
      extraRequested = false;
      return Wake.EXTRA_ITERATION;
    }
    wakeTimer.schedule(wakeAt);
    if ((stopRequested || extraRequested) && wakeTimer.cancel()) {
      if (stopRequested) {
        return Wake.END;
      }
      extraRequested = false;
      return Wake.EXTRA_ITERATION;
    }
    return Wake.ARMED; // or whoever cancelled it (or the timer, firing) takes the next step
  }

  /**
   * Asks for one extra iteration as soon as possible: at once if the loop waits, right after the
   * current iteration if one runs. The schedule stays as it was. Requests made while one is pending
   * count once.
   */
  void runNow() {
    extraRequested = true; // seen by the loop if it is not waiting (see arm())
    if (begun && wakeTimer.cancel()) {
      extraRequested = false;
      submit(() -> runIterations(Step.EXTRA));
    }
  }

  /** Runs one iteration and accounts for it; returns the clock's reading at its end. */
  private long iterate(IterationPermit permit, boolean extra) {
    long number = ++iterations;
    long start = engine.clock().nanoTime();
    Instant startedAt = listeners.isEmpty() ? null : engine.clock().instant();
    listeners.iterationStarted(service, number);
    long timeout = options.timeoutNanos;
    IterationWatch watch = timeout > 0 ? new IterationWatch(number, start + timeout) : null;
    Throwable error = null;
    IterationMdc.enterIteration(number);
    if (permit != null && permit.hasFencingToken()) {
      service.setFencingToken(OptionalLong.of(permit.fencingToken()));
    }
    try {
      service.runOnce();
    } catch (Throwable t) {
      error = t;
    } finally {
      if (permit != null) {
        service.setFencingToken(OptionalLong.empty());
        endCoordinatedIteration(permit);
      }
    }
    boolean timedOut = watch != null && watch.complete();
    boolean revoked = permit != null && permit.isRevoked();
    boolean interrupted = Thread.interrupted() && !timedOut && !revoked;
    long end = engine.clock().nanoTime();
    long took = end - start;

    IterationOutcome outcome =
        revoked
            ? revokedOutcome(number, error)
            : classify(
                number, error, timedOut, interrupted || error instanceof InterruptedException);
    boolean overrun;
    if (calendar == null) {
      overrun = interval.isOverrun(took);
      if (overrun) {
        log()
            .warn(
                "{} took {} to run, which is longer than its loop interval of {}.",
                name,
                DurationFormat.seconds(Duration.ofNanos(took)),
                DurationFormat.seconds(interval()));
      }
      if (!extra || dueIsRetry) {
        // After a due iteration, or an extra one run while the loop only waited to ask its
        // coordinator again, the
        // schedule goes on from this start.
        if (extra) {
          due = start;
        }
        due = interval.nextDue(due, start, end, outcome.isFailure(), consecutiveFailures);
        dueIsRetry = false;
      } else if (end - due > 0) {
        due = end; // the extra iteration ran past the next due time: that one starts at once
      }
    } else {
      overrun = calendarIterationEnded(end, took);
    }
    if (loopLimit > 0 && number >= loopLimit) {
      log().debug("{} exiting after {} loop(s).", name, loopLimit);
      stopRequested = true;
    }
    if (startedAt != null) {
      listeners.iterationEnded(
          service,
          new IterationResult(
              name,
              number,
              startedAt,
              Duration.ofNanos(took),
              outcome,
              error,
              overrun,
              consecutiveFailures,
              permit != null && permit.hasFencingToken()
                  ? OptionalLong.of(permit.fencingToken())
                  : OptionalLong.empty()));
    }
    return end;
  }

  private void endCoordinatedIteration(IterationPermit permit) {
    try {
      membership.iterationEnded(permit);
    } catch (RuntimeException e) {
      log()
          .warn(
              "The coordinator of loop service {} failed to record the end of an iteration",
              name,
              e);
    }
  }

  /**
   * An iteration whose permit the coordinator revoked: logged as its lease lost; the loop goes on.
   */
  private IterationOutcome revokedOutcome(long number, Throwable error) {
    if (error instanceof Error) {
      return classify(number, error, false, false);
    }
    // INFO: the coordinator has already warned about why (a lost session, an outage).
    log()
        .info(
            "Loop service {} iteration {} was interrupted: its coordinator withdrew the permit to run it here",
            name,
            number);
    return IterationOutcome.LEASE_LOST;
  }

  /** The {@link LeaseLostException} that {@code error} is or was caused by, or null. */
  private static LeaseLostException leaseLost(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof LeaseLostException lost) {
        return lost;
      }
    }
    return null;
  }

  /**
   * Logs the iteration's failure, if any, and counts it; an Error (always) or an outside interrupt
   * ends the loop.
   */
  private IterationOutcome classify(
      long number, Throwable error, boolean timedOut, boolean interrupted) {
    if (error instanceof Error) {
      // Before the timeout: an Error ends the loop even when the iteration had already timed out.
      log()
          .error(
              "Loop service {} is stopping: iteration {} threw a fatal error", name, number, error);
      fatal = error;
      consecutiveFailures++;
      return IterationOutcome.FAILED;
    }
    if (timedOut) {
      consecutiveFailures++;
      return IterationOutcome.TIMED_OUT;
    }
    LeaseLostException lost = leaseLost(error);
    if (lost != null && !interrupted) {
      log().warn("Loop service {} iteration {}: {}", name, number, lost.getMessage());
      return IterationOutcome.LEASE_LOST;
    }
    if (interrupted) {
      log().info("Loop service {} was interrupted in iteration {}; stopping", name, number);
      stopRequested = true;
    }
    if (error != null) {
      if (!interrupted) {
        log()
            .error(
                "Unexpected error in loop service {}, iteration {}: {}",
                name,
                number,
                error.toString(),
                error);
      }
      consecutiveFailures++;
      return IterationOutcome.FAILED;
    }
    consecutiveFailures = 0;
    return IterationOutcome.SUCCEEDED;
  }

  private void finish() {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    LoopState from = service.state();
    transition(from, LoopState.STOPPING);
    try {
      service.onStop();
    } catch (Throwable t) {
      log().error("onStop of loop service {} failed", name, t);
      if (t instanceof Error && fatal == null) {
        fatal = t;
      }
    }
    if (membership != null) {
      try {
        membership.leave();
      } catch (RuntimeException e) {
        log().warn("The coordinator of loop service {} failed to release it", name, e);
      }
    }
    if (signalRegistration != null) {
      signalRegistration.close();
    }
    LoopState end = startFailure != null || fatal != null ? LoopState.FAILED : LoopState.STOPPED;
    service.setState(end);
    listeners.stateChanged(service, LoopState.STOPPING, end);
    endFailure = startFailure != null ? new LoopStartException(name, startFailure) : fatal;
    ended = true;
    if (awaited) {
      synchronized (this) {
        notifyAll();
      }
    }
    if (endAction != null) {
      endAction.run();
    }
  }

  private void transition(LoopState from, LoopState to) {
    service.setState(to);
    listeners.stateChanged(service, from, to);
  }

  private static RuntimeException rethrow(Throwable failure) {
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    throw new LoopworkException("Loop run failed", failure);
  }

  /** Interrupts the iteration's thread if it is still in that iteration when its timeout passes. */
  private final class IterationWatch implements Runnable {
    private final long number;
    private final Thread thread = Thread.currentThread();
    private final LoopClock.Timer deadline;
    private boolean completed;
    private boolean timedOut;

    IterationWatch(long number, long deadlineNanos) {
      this.number = number;
      this.deadline = engine.clock().schedule(deadlineNanos, this);
    }

    @Override
    public synchronized void run() {
      if (!completed) {
        timedOut = true;
        log()
            .warn(
                "Loop service {} iteration {} exceeded its timeout of {}; interrupting it",
                name,
                number,
                DurationFormat.seconds(Duration.ofNanos(options.timeoutNanos)));
        thread.interrupt();
      }
    }

    /**
     * Marks the iteration complete; returns whether it had timed out (its interrupt is then already
     * delivered).
     */
    boolean complete() {
      deadline.cancel();
      synchronized (this) {
        completed = true;
        return timedOut;
      }
    }
  }
}
