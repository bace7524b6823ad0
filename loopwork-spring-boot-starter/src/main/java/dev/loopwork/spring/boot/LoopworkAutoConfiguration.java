package dev.loopwork.spring.boot;

import dev.loopwork.LoopEngine;
import dev.loopwork.LoopListener;
import dev.loopwork.LoopService;
import dev.loopwork.jdbc.Database;
import dev.loopwork.jdbc.JdbcLoopRuntime;
import dev.loopwork.micrometer.FleetView;
import dev.loopwork.micrometer.LoopMetrics;
import dev.loopwork.micrometer.LoopObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Runs every {@link LoopService} bean and every {@link LoopTask} method with the application: see
 * {@link LoopworkServices}. With a {@link DataSource}, exclusive services coordinate through leases
 * in it ({@link LoopworkRuntime}); with a {@link MeterRegistry}, they report {@link LoopMetrics}.
 * Turned off by {@code loopwork.enabled=false}. Every bean backs off when the application declares
 * its own; {@link LoopworkCustomizer} beans adjust the rest.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(LoopService.class)
@ConditionalOnProperty(
    prefix = "loopwork",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(LoopworkProperties.class)
public class LoopworkAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(LoopworkAutoConfiguration.class);

  /**
   * Loopwork's handle on the application's database: it borrows the DataSource's connections and
   * never closes it.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnBean(DataSource.class)
  @ConditionalOnMissingBean
  public Database loopworkDatabase(DataSource dataSource) {
    return Database.of(dataSource);
  }

  /**
   * Where the services run: coordinated on the {@link Database} when there is one, else
   * uncoordinated.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public LoopworkRuntime loopworkRuntime(
      ObjectProvider<Database> database,
      LoopworkProperties properties,
      ObjectProvider<LoopListener> listeners,
      ObjectProvider<LoopworkCustomizer> customizers) {
    List<LoopworkCustomizer> ordered = customizers.orderedStream().toList();
    Supplier<LoopEngine.Builder> engines =
        () -> {
          LoopEngine.Builder engine =
              LoopEngine.builder().options(new ServiceOptionsOverride(properties)::optionsOf);
          listeners.orderedStream().forEach(engine::listener);
          ordered.forEach(c -> c.customize(engine));
          return engine;
        };
    Database db = database.getIfAvailable();
    if (db == null) {
      LOG.info(
          "No DataSource in the application: loop services run uncoordinated, every replica runs every "
              + "service");
      return LoopworkRuntime.uncoordinated(engines.get());
    }
    LoopworkProperties.Leases leases = properties.getCoordination();
    try {
      JdbcLoopRuntime.Builder runtime =
          JdbcLoopRuntime.builder(db)
              .engine(engines.get())
              .leaseTtl(leases.getLeaseTtl())
              .pollInterval(leases.getPollInterval())
              .journalRetention(properties.getJournal().getRetention())
              // LoopworkServices.stop waits loopwork.shutdown.timeout for the iterations: the one
              // limit of a shutdown. Closing the runtime then waits no more.
              .closeTimeout(Duration.ZERO);
      ordered.forEach(c -> c.customize(runtime));
      return LoopworkRuntime.coordinated(db, runtime, engines, leases.getLeaseTtl());
    } catch (IllegalArgumentException e) {
      throw new LoopworkConfigurationException(inPropertyNames(e.getMessage()), e);
    }
  }

  /** A message of the lease settings' checks, with the properties that set them as names. */
  static String inPropertyNames(String message) {
    return message
        .replace("leaseTtl", "loopwork.coordination.lease-ttl")
        .replace("pollInterval", "loopwork.coordination.poll-interval");
  }

  /**
   * Finds the {@link LoopTask} methods of the application's beans and adds them to {@link
   * LoopworkServices}.
   */
  @Bean
  static BeanPostProcessor loopworkTaskMethods() {
    return new LoopTaskMethods();
  }

  /** The application's loop services, run with its lifecycle. */
  @Bean
  @ConditionalOnMissingBean
  public LoopworkServices loopworkServices(
      LoopworkRuntime runtime,
      LoopworkProperties properties,
      ObjectProvider<LoopService> services) {
    return new LoopworkServices(runtime, properties, services.orderedStream().toList());
  }

  /**
   * Fences the application's transactions in iterations of exclusive services (see {@link
   * TransactionFencing}), unless {@code loopwork.coordination.fence-transactions=false}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "org.springframework.transaction.TransactionExecutionListener",
        "org.springframework.jdbc.datasource.DataSourceUtils"
      })
  @ConditionalOnBean(DataSource.class)
  @ConditionalOnProperty(
      prefix = "loopwork.coordination",
      name = "fence-transactions",
      havingValue = "true",
      matchIfMissing = true)
  static class FencingConfiguration {

    /** The listener that Spring Boot adds to the transaction manager it configures. */
    @Bean
    TransactionFencing loopworkTransactionFencing(Database database) {
      return new TransactionFencing(database);
    }
  }

  /** Loopwork's meters, in the application's registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, LoopMetrics.class})
  @ConditionalOnBean(MeterRegistry.class)
  static class MetricsConfiguration {

    /**
     * The metrics listener, bound to the application's registry; every engine of the runtime
     * reports to it. With a DataSource its gauges are true on every instance: leases held, a
     * service that another instance runs on standby, the time since the last success anywhere (from
     * the journal).
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    LoopMetrics loopworkMetrics(
        MeterRegistry registry,
        ObjectProvider<Database> database,
        ObjectProvider<LoopworkRuntime> runtime) {
      LoopMetrics.Builder metrics = LoopMetrics.builder();
      if (database.getIfAvailable() != null) {
        // Read at scrape time: the runtime reports to these metrics, so it is built after them.
        metrics
            .leasesHeld(service -> runtime.getObject().holdsLease(service) ? 1 : 0)
            .fleetView(
                FleetView.of(
                    service -> runtime.getObject().runsHere(service),
                    service -> runtime.getObject().timeSinceLastSuccess(service)));
      }
      LoopMetrics built = metrics.build();
      built.bindTo(registry);
      return built;
    }
  }

  /**
   * Every iteration as an observation in the application's {@link ObservationRegistry}: with
   * Micrometer Tracing, a span named after the service whose children are its JDBC and HTTP calls.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ObservationRegistry.class, LoopObservations.class})
  @ConditionalOnBean(ObservationRegistry.class)
  static class ObservationConfiguration {

    /** The observation listener; every engine of the runtime reports to it. */
    @Bean
    @ConditionalOnMissingBean
    LoopObservations loopworkObservations(ObservationRegistry registry) {
      return LoopObservations.of(registry);
    }
  }
}
