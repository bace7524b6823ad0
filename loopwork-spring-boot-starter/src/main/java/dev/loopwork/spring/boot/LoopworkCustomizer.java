package dev.loopwork.spring.boot;

import dev.loopwork.LoopEngine;
import dev.loopwork.jdbc.JdbcLoopRuntime;

/**
 * A bean that adjusts what the auto-configuration builds, for everything the properties do not
 * cover: the engine's clock, executor and listeners, and the database runtime's journal retention,
 * replica id and so on. Every customizer bean is applied, in {@link
 * org.springframework.core.annotation.Order} order, before the runtime is built.
 *
 * <pre>{@code
 * @Bean
 * LoopworkCustomizer keepJournalForADay() {
 *   return new LoopworkCustomizer() {
 *     @Override public void customize(JdbcLoopRuntime.Builder runtime) {
 *       runtime.journalRetention(Duration.ofDays(1));
 *     }
 *   };
 * }
 * }</pre>
 */
public interface LoopworkCustomizer {

  /** Adjusts the engine settings that every service of the application runs with. */
  default void customize(LoopEngine.Builder engine) {}

  /**
   * Adjusts the database runtime of exclusive services; called only when the application has a
   * DataSource. Its engine is already set, with {@link #customize(LoopEngine.Builder)} applied.
   */
  default void customize(JdbcLoopRuntime.Builder runtime) {}
}
