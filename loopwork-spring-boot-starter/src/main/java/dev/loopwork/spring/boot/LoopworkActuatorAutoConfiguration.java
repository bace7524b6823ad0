package dev.loopwork.spring.boot;

import java.time.Clock;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator support for the loop services: the health indicator {@code loopwork} (with
 * spring-boot-health) and the endpoint {@code loopwork} (with spring-boot-actuator), each when the
 * application has {@link LoopworkServices}.
 */
@AutoConfiguration(after = LoopworkAutoConfiguration.class)
@ConditionalOnBean(LoopworkServices.class)
public class LoopworkActuatorAutoConfiguration {

  /** The health indicator; off with {@code management.health.loopwork.enabled=false}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnEnabledHealthIndicator("loopwork")
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LoopworkHealthIndicator loopworkHealthIndicator(
        LoopworkServices services, LoopworkProperties properties) {
      return new LoopworkHealthIndicator(
          services, Clock.systemUTC(), properties.getHealth().getMaxConsecutiveFailures());
    }
  }

  /** The endpoint, when it is enabled and exposed. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  @ConditionalOnAvailableEndpoint(LoopworkEndpoint.class)
  static class EndpointConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LoopworkEndpoint loopworkEndpoint(LoopworkServices services) {
      return new LoopworkEndpoint(services);
    }
  }
}
