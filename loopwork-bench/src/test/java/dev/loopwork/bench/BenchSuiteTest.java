package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSuiteTest {

  @Test
  void replacesOnlyTheGeneratedPartOfTheDocument(@TempDir Path dir) throws Exception {
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(doc, "# Benchmarks\nhand-written\n" + BenchSuite.BEGIN + "\nold\n" + BenchSuite.END
        + "\nanalysis\n");

    BenchSuite.writeDoc(doc, "new table\n");

    assertThat(Files.readString(doc)).isEqualTo("# Benchmarks\nhand-written\n" + BenchSuite.BEGIN
        + "\n\nnew table\n" + BenchSuite.END + "\nanalysis\n");
  }

  @Test
  void appendsTheGeneratedPartWhenTheMarkersAreMissing(@TempDir Path dir) throws Exception {
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(doc, "# Benchmarks");

    BenchSuite.writeDoc(doc, "table\n");

    assertThat(Files.readString(doc)).isEqualTo("# Benchmarks\n" + BenchSuite.BEGIN + "\n\ntable\n"
        + BenchSuite.END + "\n");
  }

  @Test
  void aPartialRunReplacesTheFiguresOfItsScenariosOnly() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode earlier = (ObjectNode) json.readTree("{\"run\":{\"date\":\"d1\",\"partialRuns\":["
        + "{\"date\":\"d0\",\"scenarios\":[\"replicas\"]},{\"date\":\"d0\",\"scenarios\":[\"jitter\"]}]},"
        + "\"results\":[{\"scenario\":\"jitter\",\"label\":\"old\"},{\"scenario\":\"replicas\",\"label\":\"old\"}]}");
    ObjectNode partial = (ObjectNode) json.readTree("{\"run\":{\"date\":\"d2\"},"
        + "\"results\":[{\"scenario\":\"replicas\",\"label\":\"new\"}]}");

    ObjectNode merged = BenchSuite.merge(earlier, partial, Set.of("replicas"));

    assertThat(merged.path("results").toString())
        .isEqualTo("[{\"scenario\":\"jitter\",\"label\":\"old\"},{\"scenario\":\"replicas\",\"label\":\"new\"}]");
    assertThat(merged.path("run").path("date").asText()).isEqualTo("d1");
    assertThat(merged.path("run").path("partialRuns").toString())
        .isEqualTo("[{\"date\":\"d0\",\"scenarios\":[\"jitter\"]},{\"date\":\"d2\",\"scenarios\":[\"replicas\"]}]");
  }
}
