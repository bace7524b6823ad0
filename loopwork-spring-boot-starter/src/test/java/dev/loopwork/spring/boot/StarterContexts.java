package dev.loopwork.spring.boot;

import java.util.UUID;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The application contexts the starter's tests run: without a DataSource, and on H2. */
final class StarterContexts {
  /** Loopwork's auto-configuration alone: no DataSource, services uncoordinated. */
  static final ApplicationContextRunner WITHOUT_DATABASE =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(LoopworkAutoConfiguration.class));

  /** With an embedded H2 DataSource and a 3 s lease TTL: services exclusive under leases. */
  static final ApplicationContextRunner ON_H2 =
      WITHOUT_DATABASE
          .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
          .withPropertyValues("loopwork.coordination.lease-ttl=3s");

  /**
   * Instances that share one fresh in-memory H2 database named after {@code name}, as replicas of
   * one application share theirs; run one context inside another for two of them.
   */
  static ApplicationContextRunner sharingOneH2(String name) {
    return ON_H2.withPropertyValues(
        "spring.datasource.url=jdbc:h2:mem:"
            + name
            + "-"
            + UUID.randomUUID()
            + ";DB_CLOSE_DELAY=-1");
  }

  private StarterContexts() {}
}
