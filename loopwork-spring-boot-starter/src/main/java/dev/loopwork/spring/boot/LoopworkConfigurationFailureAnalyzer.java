package dev.loopwork.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link LoopworkConfigurationException} that stops the application from starting into
 * Spring Boot's "APPLICATION FAILED TO START" report: what is wrong, naming the property or the
 * service, and what to change, instead of a stack trace.
 */
class LoopworkConfigurationFailureAnalyzer
    extends AbstractFailureAnalyzer<LoopworkConfigurationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LoopworkConfigurationException cause) {
    return new FailureAnalysis(
        "Loopwork's configuration is not valid: " + cause.getMessage(),
        "Correct the loopwork.* property or the loop service named above; the starter's README lists every "
            + "property with its default.",
        cause);
  }
}
