package dev.loopwork.example;

import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example application on a fresh PostgreSQL database, left for the next run to drop (see {@link
 * PostgresTestDatabase#create(String)}).
 */
class ExampleApplicationPostgresIT extends ExampleApplicationContract {
  private static PostgresTestDatabase database;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    database = PostgresTestDatabase.create("loopwork_spring_example");
    registry.add("spring.datasource.url", () -> database.url);
    registry.add("spring.datasource.username", () -> PostgresTestDatabase.USER);
  }

  @Override
  Map<String, Object> databaseProperties() {
    return Map.of(
        "spring.datasource.url",
        database.url,
        "spring.datasource.username",
        PostgresTestDatabase.USER);
  }
}
