package dev.loopwork.example;

import java.util.Map;

/** The example application on its default embedded H2 database. */
class ExampleApplicationH2Test extends ExampleApplicationContract {

  @Override
  Map<String, Object> databaseProperties() {
    return Map.of(
        "spring.datasource.url",
        "jdbc:h2:mem:example-second-application;DB_CLOSE_DELAY=-1",
        "spring.datasource.username",
        "sa");
  }
}
