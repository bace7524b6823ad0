package dev.loopwork.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A process that a multi-JVM test or the benchmark starts (a replica, the host, a signal test),
 * with the faults it injects into it: SIGTERM, {@code kill -9}, SIGSTOP and SIGCONT. Its standard
 * output and standard error are read line by line as they come and kept (a stream redirected
 * elsewhere by the {@link ProcessBuilder} is not read); a listener may see each output line as
 * well. A test's own kind of process (a replica that prints its iterations) extends it with what it
 * reads from the output.
 */
public class ChildProcess implements AutoCloseable {
  /** How long the waits without a timeout of their own wait: generous, the machine is shared. */
  public static final Duration WAIT = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final List<String> output = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();

  /**
   * Starts {@code builder}'s process, called {@code name} in messages; {@code stdoutListener} sees
   * each line of its standard output, on the thread that reads it, before the line is kept.
   *
   * @throws UncheckedIOException if the process cannot start
   */
  protected ChildProcess(String name, ProcessBuilder builder, Consumer<String> stdoutListener) {
    this.name = name;
    try {
      this.process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + builder.command(), e);
    }
    read(process.getInputStream(), stdout, stdoutListener);
    read(process.getErrorStream(), stderr, line -> {});
  }

  /**
   * The command that runs {@code mainClass} with {@code args} in a new JVM of this JVM's Java, on
   * this JVM's class path, with {@code jvmOptions}.
   */
  public static List<String> javaCommand(
      List<String> jvmOptions, Class<?> mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM (see {@link #javaCommand}), its
   * standard error merged into its standard output so that {@link #output()} keeps their order.
   */
  public static ChildProcess java(Class<?> mainClass, String... args) {
    return start(
        mainClass.getSimpleName(),
        new ProcessBuilder(javaCommand(List.of(), mainClass, args)).redirectErrorStream(true));
  }

  /** Starts {@code builder}'s process, called {@code name} in messages. */
  public static ChildProcess start(String name, ProcessBuilder builder) {
    return new ChildProcess(name, builder, line -> {});
  }

  private void read(InputStream stream, List<String> lines, Consumer<String> listener) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  listener.accept(line);
                  synchronized (output) {
                    lines.add(line);
                    output.add(line);
                    output.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "output-of-" + name);
    reader.setDaemon(true);
    readers.add(reader);
    reader.start();
  }

  /** Every line printed so far, standard output and standard error in the order they were read. */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** The standard output so far, each line ended by a line feed. */
  public String stdout() {
    return text(stdout);
  }

  /** The standard error so far, each line ended by a line feed. */
  public String stderr() {
    return text(stderr);
  }

  private String text(List<String> lines) {
    StringBuilder text = new StringBuilder();
    synchronized (output) {
      lines.forEach(line -> text.append(line).append('\n'));
    }
    return text.toString();
  }

  /** Whether a line printed so far contains {@code text}. */
  public boolean printed(String text) {
    return linesContaining(text) > 0;
  }

  /** How many lines printed so far contain {@code text}. */
  public long linesContaining(String text) {
    return output().stream().filter(line -> line.contains(text)).count();
  }

  /** Waits at most {@link #WAIT} until the process has printed {@code expected} as a whole line. */
  public void awaitLine(String expected) throws InterruptedException {
    awaitLineMatching(Pattern.quote(expected), WAIT);
  }

  /** As {@link #awaitLineMatching(String, Duration)}, at most {@link #WAIT}. */
  public void awaitLineMatching(String regex) throws InterruptedException {
    awaitLineMatching(regex, WAIT);
  }

  /**
   * Waits until the process has printed (at any time since it started) a whole line that matches
   * {@code regex}.
   *
   * @throws AssertionError after {@code timeout}, or when the process ended without printing it
   */
  public void awaitLineMatching(String regex, Duration timeout) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (output) {
      while (output.stream().noneMatch(line -> pattern.matcher(line).matches())) {
        boolean ended = readers.stream().noneMatch(Thread::isAlive);
        if (ended || System.nanoTime() - deadline >= 0) {
          throw new AssertionError(
              name
                  + (ended ? " ended" : " still runs")
                  + " without printing a line matching "
                  + regex
                  + "; it printed: "
                  + output);
        }
        output.wait(100); // woken by each line; the bound sees the end and the deadline
      }
    }
  }

  /** Whether the process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The process id. */
  public long pid() {
    return process.pid();
  }

  /**
   * SIGTERM: the graceful stop that {@code kill} and Kubernetes send. (Sent with the {@code kill}
   * command: {@link Process#destroy()} also closes the pipes, so what the process prints while it
   * stops would be lost.)
   */
  public void terminate() {
    signal("TERM");
  }

  /** SIGKILL, as {@code kill -9}: nothing is released; what it printed before stays readable. */
  public void kill() {
    signal("KILL");
  }

  /** SIGSTOP: the process freezes with its sockets open (a long GC pause, a VM migration). */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT: a frozen process goes on where it stopped. */
  public void thaw() {
    signal("CONT");
  }

  /**
   * Sends the signal {@code signalName} ({@code "TERM"}, {@code "INT"}, ...) with {@code kill}; to
   * a process that has ended already, nothing.
   */
  public void signal(String signalName) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signalName, Long.toString(process.pid()))
              .inheritIO()
              .start();
      boolean sent = kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0;
      if (!sent && process.isAlive()) {
        throw new IllegalStateException("kill -" + signalName + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + name, e);
    }
  }

  /** As {@link #awaitExit(Duration)}, at most {@link #WAIT}. */
  public int awaitExit() throws InterruptedException {
    return awaitExit(WAIT);
  }

  /**
   * Waits for the process to end and returns its exit code, once every line it printed has been
   * read.
   *
   * @throws AssertionError if it still runs after {@code timeout}
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          name + " did not exit within " + timeout + "; it printed: " + output());
    }
    for (Thread reader : readers) {
      reader.join(TimeUnit.SECONDS.toMillis(5)); // the rest of the output, once the pipes close
    }
    return process.exitValue();
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
