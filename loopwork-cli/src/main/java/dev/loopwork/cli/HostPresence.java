package dev.loopwork.cli;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.ControlSync;
import java.time.Duration;

/**
 * The host's own service, on every replica and never listed: it makes {@code loopwork run} one run
 * of the engine even when no service is enabled, so that SIGTERM stops the host like any service;
 * once the engine's signal handler is registered it starts the replica's {@link ControlSync} (the
 * shared pause flags, run-once requests and the status publishing, on a thread of their own) and
 * announces that the host runs; its stop closes the sync. Its iterations have nothing to do.
 */
final class HostPresence extends LoopService {
  /** The service's name, never shown among the services. */
  static final String NAME = "loopwork-host";

  /** Its iterations do nothing, so they come seldom. */
  private static final Duration INTERVAL = Duration.ofDays(1);

  private final ControlSync sync;
  private final Runnable announce;

  HostPresence(ControlSync sync, Runnable announce) {
    super(LoopOptions.builder().loopInterval(INTERVAL).handleSignals(false).build());
    this.sync = sync;
    this.announce = announce;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Starts the sync and announces that the host runs. The engine has registered its signal handler
   * by now, so that an operator (or a script) who waits for this line before sending SIGTERM gets a
   * graceful stop.
   */
  @Override
  protected void onStart() {
    sync.start();
    announce.run();
  }

  @Override
  protected void runOnce() {}

  @Override
  protected void onStop() {
    sync.close();
  }
}
