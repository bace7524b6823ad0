package dev.loopwork;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** A program for {@link SignalHandlingTest}: runs loop services in the way its argument names, in its own JVM. */
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
        LoopServices.runAll(List.of(printing("first", Duration.ofSeconds(1000), false),
            printing("second", Duration.ofSeconds(1000), true)));
        System.out.println("runAll returned");
      }
      case "stuck-on-stop" -> {
        LoopService stuck = new LoopService(Duration.ofSeconds(1000)) {
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
      case "none-running" -> {
        printing("finished", Duration.ZERO, true).start(1);
        System.out.println("idle");
        new CountDownLatch(1).await();
      }
      default -> throw new IllegalArgumentException("unknown mode: " + args[0]);
    }
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
