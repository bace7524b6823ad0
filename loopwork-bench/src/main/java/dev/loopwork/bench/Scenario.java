package dev.loopwork.bench;

import java.util.Map;

/** One benchmark metric, measured against one peer in the current process. */
interface Scenario {

  /**
   * Measures the metric and returns the figures by name, in the order the report shows them.
   *
   * @throws Exception if the peer fails or does not reach a state the measurement waits for in time
   */
  Map<String, Object> run(Peer peer, Params params) throws Exception;
}
