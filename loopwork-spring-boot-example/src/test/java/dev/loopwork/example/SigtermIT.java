package dev.loopwork.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The example application as a real process: one SIGTERM makes Spring close the context, which
 * stops the loop service gracefully, and the process exits. Had the service installed Loopwork's
 * own signal handler, the first SIGTERM would only stop the loop and leave the process running.
 */
class SigtermIT {

  @Test
  void oneSigtermClosesTheApplicationAndStopsItsServicesGracefully() throws Exception {
    Path target = Path.of("target");
    String classPath =
        target.resolve("classes").toAbsolutePath()
            + File.pathSeparator
            + Files.readString(target.resolve("runtime-classpath.txt")).trim();
    Path log = Files.createTempFile(target, "sigterm-", ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    classPath,
                    ExampleApplication.class.getName(),
                    "--server.port=0",
                    "--loopwork.services.expire-sessions.interval=100ms"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.readString(log).contains("Started 2 loop service(s)"));

      process.destroy();

      assertThat(process.waitFor(30, TimeUnit.SECONDS))
          .as("exited after one SIGTERM; output:%n%s", Files.readString(log))
          .isTrue();
      assertThat(process.exitValue()).isEqualTo(143);
      assertThat(Files.readString(log))
          .contains("Stopped 2 of 2 running loop service(s)")
          .doesNotContain("Received SIG");
    } finally {
      process.destroyForcibly();
    }
  }
}
