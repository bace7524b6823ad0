package dev.loopwork.examples;

import dev.loopwork.LoopService;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/**
 * The smallest useful loop service: prints each iteration once a second until Ctrl-C (SIGINT) or
 * SIGTERM, then stops cleanly and exits with status 0. Run it with {@code bin/run-example}; pass a
 * number to stop after that many iterations, and an interval such as {@code 250ms} or {@code 2s} as
 * a second argument.
 */
public final class HelloLoop extends LoopService {
  private long iteration;

  HelloLoop(Duration interval) {
    super(interval);
  }

  @Override
  protected void onStart() {
    System.out.println(
        "HelloLoop started: one iteration every "
            + loopInterval().toMillis()
            + " ms; Ctrl-C stops it");
  }

  @Override
  protected void runOnce() {
    iteration++;
    System.out.println(
        "iteration " + iteration + " at " + LocalTime.now().truncatedTo(ChronoUnit.MILLIS));
  }

  @Override
  protected void onStop() {
    System.out.println("HelloLoop stopped cleanly after " + iteration + " iteration(s)");
  }

  /** Runs the example: {@code [loops] [interval]}. */
  public static void main(String[] args) throws InterruptedException {
    Duration interval = args.length > 1 ? parseInterval(args[1]) : Duration.ofSeconds(1);
    HelloLoop service = new HelloLoop(interval);
    if (args.length > 0) {
      service.start(Long.parseLong(args[0]));
    } else {
      service.start();
    }
  }

  private static Duration parseInterval(String text) {
    if (text.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
    }
    if (text.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
    }
    return Duration.parse(text);
  }
}
