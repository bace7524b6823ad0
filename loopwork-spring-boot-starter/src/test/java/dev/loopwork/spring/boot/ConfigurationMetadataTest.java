package dev.loopwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataProperty;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;

/**
 * The jar carries IDE metadata for every {@code loopwork.*} property, with a description and the
 * default.
 */
class ConfigurationMetadataTest {

  @Test
  void everyPropertyIsDescribedWithItsDefault() throws Exception {
    Map<String, ConfigurationMetadataProperty> properties;
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      properties = ConfigurationMetadataRepositoryJsonBuilder.create(in).build().getAllProperties();
    }
    assertThat(properties)
        .containsKeys(
            "loopwork.enabled",
            "loopwork.shutdown.timeout",
            "loopwork.coordination.lease-ttl",
            "loopwork.coordination.poll-interval",
            "loopwork.journal.retention",
            "loopwork.health.max-consecutive-failures",
            "loopwork.services");
    assertThat(properties.get("loopwork.shutdown.timeout").getDefaultValue()).isEqualTo("30s");
    assertThat(properties.get("loopwork.enabled").getDefaultValue()).isEqualTo(true);
    assertThat(properties.get("loopwork.journal.retention").getDefaultValue()).isEqualTo("7d");
    assertThat(properties.get("loopwork.services").getType())
        .contains("dev.loopwork.spring.boot.LoopworkProperties$Service");
    properties.values().stream()
        .filter(p -> p.getId().startsWith("loopwork."))
        .forEach(p -> assertThat(p.getDescription()).as(p.getId()).isNotBlank());
  }
}
