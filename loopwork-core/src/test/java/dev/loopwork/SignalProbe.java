package dev.loopwork;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A program for {@link SignalHandlingTest}: runs loop services in the way its argument names, in
 * its own JVM.
 */
public final class SignalProbe {
  private SignalProbe() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "single" -> {
        printing("single", Duration.ofSeconds(1000), true).start();
        System.out.println("start returned");
      }
      case "unhandled" -> {
        printing("unhandled", Duration.ofSeconds(1000), false).start();
        System.out.println("start returned");
      }
      case "run-all" -> {
        LoopServices.runAll(
            List.of(
                printing("first", Duration.ofSeconds(1000), false),
                printing("second", Duration.ofSeconds(1000), true),
                printing("loopwork-own", Duration.ofSeconds(1000), false)));
        System.out.println("runAll returned");
      }
      case "stuck-on-stop" -> {
        LoopService stuck =
            new LoopService(Duration.ofSeconds(1000)) {
              @Override
              protected void runOnce() {
                System.out.println("ready");
              }

              @Override
              protected void onStop() throws InterruptedException {
                System.out.println("stopping");
                new CountDownLatch(1).await();
              }
            };
        stuck.start();
      }
      case "slow-stops" -> runAllWithSlowStops();
      case "none-running" -> {
        printing("finished", Duration.ZERO, true).start(1);
        System.out.println("idle");
        new CountDownLatch(1).await();
      }
      default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
    }
  }

  /**
   * 10,000 waiting services with an instant {@code onStop}, three whose {@code onStop} takes 1 s
   * and one whose {@code onStop} throws an Error, all under one {@code runAll}. Prints when all
   * have run once, each slow {@code onStop}'s thread and when it began and ended, and how many
   * services stopped.
   */
  private static void runAllWithSlowStops() {
    int quick = 10_000;
    List<LoopService> services = new ArrayList<>();
    CountDownLatch ready = new CountDownLatch(quick + 4);
    AtomicInteger stopped = new AtomicInteger();
    for (int i = 0; i < quick; i++) {
      services.add(counting("quick-" + i, ready, stopped, () -> {}));
    }
    for (int i = 0; i < 3; i++) {
      String name = "slow-" + i;
      services.add(
          counting(
              name,
              ready,
              stopped,
              () -> {
                System.out.println(
                    "onStop "
                        + name
                        + " began "
                        + System.nanoTime()
                        + " on "
                        + Thread.currentThread().getName());
                Thread.sleep(1_000);
                System.out.println("onStop " + name + " ended " + System.nanoTime());
              }));
    }
    services.add(
        counting(
            "broken",
            ready,
            stopped,
            () -> {
              throw new AssertionError("onStop of broken");
            }));
    Thread announcer =
        new Thread(
            () -> {
              try {
                ready.await();
                System.out.println("ready all");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    announcer.start();
    try {
      LoopServices.runAll(services);
      System.out.println("runAll returned");
    } catch (Throwable t) {
      System.out.println("runAll threw " + t);
    }
    System.out.println("stopped " + stopped.get());
  }

  private static LoopService counting(
      String name, CountDownLatch ready, AtomicInteger stopped, LoopBody stop) {
    return new LoopService(Duration.ofSeconds(1000), false) {
      @Override
      public String name() {
        return name;
      }

      @Override
      protected void runOnce() {
        ready.countDown();
      }

      @Override
      protected void onStop() throws Exception {
        stopped.incrementAndGet();
        stop.runOnce();
      }
    };
  }

  private static LoopService printing(String name, Duration interval, boolean handleSignals) {
    return new LoopService(interval, handleSignals) {
      @Override
      public String name() {
        return name;
      }

      @Override
      protected void runOnce() {
        System.out.println("ready " + name);
      }

      @Override
      protected void onStop() {
        System.out.println("stopped " + name);
      }
    };
  }
}
