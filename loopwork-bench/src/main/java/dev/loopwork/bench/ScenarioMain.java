package dev.loopwork.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one scenario against one peer in this process and prints one line {@code RESULT <json>} to
 * standard output, with the logging backend the process found ({@link LoggingBackend}). {@link
 * BenchSuite} starts one such process per measurement, so that every peer starts from a fresh JVM.
 * The {@value ReplicaScenario#NAME}, {@value FreezeScenario#NAME} and {@value CronScenario#NAME}
 * scenarios take a peer identifier of their own ({@link #OWN_PEERS}); the first two start replica
 * processes of their own.
 *
 * <pre>{@code
 * java -cp ... dev.loopwork.bench.ScenarioMain scale loopwork services=100000
 * java -cp ... dev.loopwork.bench.ScenarioMain replicas shedlock tries=20
 * java -cp ... dev.loopwork.bench.ScenarioMain freeze loopwork tries=20
 * java -cp ... dev.loopwork.bench.ScenarioMain cron spring fires=20
 * }</pre>
 */
public final class ScenarioMain {
  /** The scenarios by the name the command line uses. */
  static final Map<String, Supplier<Scenario>> SCENARIOS =
      Map.of(
          "stop-latency", StopLatencyScenario::new,
          "jitter", JitterScenario::new,
          "overrun", OverrunScenario::new,
          "idle", IdleCostScenario::new,
          "scale", ScaleScenario::new);

  /** The scenarios that take a peer identifier of their own, not a {@link Peers} one, by name. */
  static final Map<String, OwnPeers> OWN_PEERS =
      Map.of(
          ReplicaScenario.NAME,
          new OwnPeers(ReplicaPeers.ALL, (peer, params) -> new ReplicaScenario().run(peer, params)),
          FreezeScenario.NAME,
          new OwnPeers(
              FreezeScenario.PEERS, (peer, params) -> new FreezeScenario().run(peer, params)),
          CronScenario.NAME,
          new OwnPeers(CronScenario.PEERS, (peer, params) -> new CronScenario().run(peer, params)));

  /** The prefix of the line that carries the result. */
  static final String RESULT_PREFIX = "RESULT ";

  /**
   * A scenario that creates its peer from an identifier itself.
   *
   * @param peers the identifiers it takes
   * @param scenario measures one of them with the parameters given and returns the figures
   */
  record OwnPeers(List<String> peers, PeerScenario scenario) {}

  /** Measures the peer with an identifier and returns the figures by name. */
  @FunctionalInterface
  interface PeerScenario {
    Map<String, Object> run(String peerId, Params params) throws Exception;
  }

  private ScenarioMain() {}

  /**
   * Arguments: scenario, peer, then {@code key=value} parameters. Exits with status 0 after
   * printing the result, 1 after printing a result that holds an {@code error}, 2 on bad arguments.
   */
  public static void main(String[] args) throws Exception {
    OwnPeers own = args.length > 0 ? OWN_PEERS.get(args[0]) : null;
    if (args.length < 2 || !SCENARIOS.containsKey(args[0]) && own == null) {
      StringBuilder usage = new StringBuilder("usage: ScenarioMain ");
      usage.append(SCENARIOS.keySet()).append(' ').append(Peers.ALL).append(" [key=value ...]");
      OWN_PEERS.forEach(
          (name, scenario) ->
              usage
                  .append("\n       ScenarioMain ")
                  .append(name)
                  .append(' ')
                  .append(scenario.peers())
                  .append(" [key=value ...]"));
      System.err.println(usage);
      System.exit(2);
    }
    Params params = Params.parse(args, 2);
    // Before the scenario, for every peer alike: an application's logging backend is up before it
    // schedules work, and
    // starting Logback (about 20 MB of RSS and 0.1 s) would otherwise be charged to the first peer
    // that logs.
    String logging = LoggingBackend.describe();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scenario", args[0]);
    out.put("peer", args[1]);
    out.put("java", Runtime.version().toString());
    out.put("params", params.asMap());
    int status = 0;
    try {
      out.put(
          "result",
          own != null
              ? own.scenario().run(args[1], params)
              : runInProcess(args[0], args[1], params));
    } catch (Exception | OutOfMemoryError e) {
      e.printStackTrace();
      out.put("error", e.toString());
      status = 1;
    }
    out.put("logging", logging);
    System.out.println(RESULT_PREFIX + new ObjectMapper().writeValueAsString(out));
    System.out.flush();
    System.exit(status);
  }

  private static Map<String, Object> runInProcess(String scenario, String peerId, Params params)
      throws Exception {
    try (Peer peer = Peers.create(peerId)) {
      return SCENARIOS.get(scenario).get().run(peer, params);
    }
  }
}
