package dev.loopwork.cli;

import dev.loopwork.micrometer.LoopObservations;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.TimeUnit;

/**
 * The host's traces: every iteration a span ({@link LoopObservations}), exported over OTLP/HTTP to
 * the endpoint of the configuration's {@code tracing.otlp.endpoint}, with the service name {@code
 * loopwork} and the replica as resource attributes. Closing it exports what is left.
 */
final class HostTracing implements AutoCloseable {
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final AttributeKey<String> INSTANCE_ID =
      AttributeKey.stringKey("service.instance.id");

  private final OpenTelemetrySdk sdk;
  private final LoopObservations observations;

  private HostTracing(OpenTelemetrySdk sdk, LoopObservations observations) {
    this.sdk = sdk;
    this.observations = observations;
  }

  /** Traces exported to {@code endpoint} (an OTLP/HTTP traces URL) from replica {@code replica}. */
  static HostTracing export(URI endpoint, String replica) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(SERVICE_NAME, "loopwork", INSTANCE_ID, replica))))
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder().setEndpoint(endpoint.toString()).build())
                    .build())
            .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    OtelTracer tracer =
        new OtelTracer(sdk.getTracer("dev.loopwork"), new OtelCurrentTraceContext(), event -> {});
    ObservationRegistry registry = ObservationRegistry.create();
    registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    return new HostTracing(sdk, LoopObservations.of(registry, replica));
  }

  /**
   * {@code endpoint} without its user info and query, where credentials may be: safe to print and
   * log.
   */
  static String shown(URI endpoint) {
    try {
      return new URI(
              endpoint.getScheme(),
              null,
              endpoint.getHost(),
              endpoint.getPort(),
              endpoint.getPath(),
              null,
              null)
          .toString();
    } catch (URISyntaxException e) {
      return endpoint.getScheme() + "://" + endpoint.getHost();
    }
  }

  /** The listener that makes each iteration a span. */
  LoopObservations observations() {
    return observations;
  }

  /** Exports the spans not exported yet (at most 10 s) and stops. */
  @Override
  public void close() {
    sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
  }
}
