package dev.loopwork.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application whose only maintenance routine is {@link ExpireSessions}. The Loopwork
 * starter runs it: nothing else is needed than the bean and the properties in {@code
 * application.properties}.
 */
@SpringBootApplication
public class ExampleApplication {

  /**
   * Starts the application; SIGTERM (or Ctrl-C) closes it, which stops the loop service gracefully.
   */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }
}
