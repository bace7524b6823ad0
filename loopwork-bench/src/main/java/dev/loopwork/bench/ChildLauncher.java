package dev.loopwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs each {@link BenchRun} in its own JVM with this process's class path and turns its output
 * into result nodes. The child's standard error goes to the log file; a child that outlives its
 * timeout is killed and reported as an error.
 */
final class ChildLauncher {
  private final ObjectMapper json = new ObjectMapper();
  private final String classPath;
  private final Path log;

  ChildLauncher(String classPath, Path log) {
    this.classPath = classPath;
    this.log = log;
  }

  /**
   * Runs {@code run} and returns one result node per measured peer (several for the JMH benchmark).
   */
  List<ObjectNode> run(BenchRun run) throws IOException, InterruptedException {
    Path jmhResults =
        run.scenario().equals("overhead") ? Files.createTempFile("loopwork-jmh", ".json") : null;
    try {
      List<String> command = new ArrayList<>();
      command.add(run.java().toString());
      command.addAll(run.jvmArgs());
      command.add("-cp");
      command.add(classPath);
      if (jmhResults != null) {
        command.addAll(
            List.of(
                "org.openjdk.jmh.Main",
                IterationOverheadBenchmark.class.getSimpleName(),
                "-rf",
                "json",
                "-rff",
                jmhResults.toString(),
                "-p",
                "peer=" + run.peer(),
                "-jvmArgs",
                String.join(" ", run.jvmArgs())));
      } else {
        command.addAll(List.of(ScenarioMain.class.getName(), run.scenario(), run.peer()));
        command.addAll(run.params());
      }
      Files.writeString(
          log,
          "\n=== "
              + String.join(" ", command.subList(0, 1))
              + " ... "
              + String.join(" ", command.subList(command.indexOf(classPath) + 1, command.size()))
              + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      CompletableFuture<List<String>> stdout =
          CompletableFuture.supplyAsync(() -> readLines(process));
      if (!process.waitFor(run.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return List.of(failure(run, "killed after " + run.timeout().toSeconds() + " s"));
      }
      List<String> lines = stdout.join();
      if (jmhResults != null) {
        Files.write(log, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      }
      return jmhResults != null ? jmhNodes(run, jmhResults) : List.of(scenarioNode(run, lines));
    } finally {
      if (jmhResults != null) {
        Files.deleteIfExists(jmhResults);
      }
    }
  }

  /**
   * Runs {@code runs} at the same time, each in its own JVM as {@link #run} does, and returns their
   * result nodes in the order of {@code runs}.
   */
  List<List<ObjectNode>> runTogether(List<BenchRun> runs) throws IOException, InterruptedException {
    if (runs.size() == 1) {
      return List.of(run(runs.get(0)));
    }
    ExecutorService threads = Executors.newFixedThreadPool(runs.size());
    try {
      List<Future<List<ObjectNode>>> started = new ArrayList<>();
      for (BenchRun run : runs) {
        started.add(threads.submit(() -> run(run)));
      }
      List<List<ObjectNode>> nodes = new ArrayList<>();
      for (Future<List<ObjectNode>> future : started) {
        try {
          nodes.add(future.get());
        } catch (ExecutionException e) {
          throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      }
      return nodes;
    } finally {
      threads.shutdownNow();
    }
  }

  private ObjectNode scenarioNode(BenchRun run, List<String> lines) throws IOException {
    for (String line : lines) {
      if (line.startsWith(ScenarioMain.RESULT_PREFIX)) {
        ObjectNode node =
            (ObjectNode) json.readTree(line.substring(ScenarioMain.RESULT_PREFIX.length()));
        return label(node, run);
      }
    }
    return failure(run, "no result line; see the log");
  }

  private List<ObjectNode> jmhNodes(BenchRun run, Path results) throws IOException {
    if (Files.size(results) == 0) {
      return List.of(failure(run, "JMH wrote no results; see the log"));
    }
    List<ObjectNode> nodes = new ArrayList<>();
    for (JsonNode benchmark : (ArrayNode) json.readTree(results.toFile())) {
      String peer = benchmark.path("params").path("peer").asText();
      ObjectNode node = json.createObjectNode();
      node.put("scenario", "overhead");
      node.put("peer", peer);
      node.put("java", benchmark.path("jdkVersion").asText());
      ObjectNode result = node.putObject("result");
      JsonNode metric = benchmark.path("primaryMetric");
      result.put("iterationsPerSecond", metric.path("score").asDouble());
      result.put("error999", metric.path("scoreError").asDouble());
      result.put("note", peer.startsWith("loopwork") ? "" : PeriodicTasks.SMALLEST_PERIOD_NOTE);
      nodes.add(label(node, run).put("label", peer));
    }
    return nodes;
  }

  private ObjectNode label(ObjectNode node, BenchRun run) {
    node.put("jdk", run.jdk());
    node.put("label", run.label());
    node.set("jvmArgs", json.valueToTree(run.jvmArgs()));
    return node;
  }

  private ObjectNode failure(BenchRun run, String error) {
    ObjectNode node = json.createObjectNode();
    node.put("scenario", run.scenario());
    node.put("peer", run.peer());
    node.set("params", json.valueToTree(run.params()));
    node.put("error", error);
    return label(node, run);
  }

  private static List<String> readLines(Process process) {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }
}
