package dev.loopwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
