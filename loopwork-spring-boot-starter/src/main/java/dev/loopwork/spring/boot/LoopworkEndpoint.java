package dev.loopwork.spring.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The actuator endpoint {@code loopwork}: {@code GET /actuator/loopwork} lists the services (the
 * fields of {@code loopwork services ls}), {@code GET /actuator/loopwork/{name}} shows one, and
 * {@code POST /actuator/loopwork/{name}/pause|resume|run-once} acts on one. With a DataSource the
 * actions act on every instance of the application that shares it, and a status shows the shared
 * pause flag and the last iteration wherever it ran (see {@link LoopworkServices}); without one
 * they act on this instance. Expose it like any endpoint ({@code
 * management.endpoints.web.exposure.include=health,loopwork}) and secure the write operations as
 * your other admin operations are.
 */
@Endpoint(id = "loopwork")
public class LoopworkEndpoint {
  private final LoopworkServices services;

  /** An endpoint over {@code services}. */
  public LoopworkEndpoint(LoopworkServices services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  /** This replica's id and the status of every service. */
  @ReadOperation
  public Map<String, Object> services() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("replica", services.replicaId());
    body.put("services", services.statuses());
    return body;
  }

  /**
   * The status of one service, its name matched as {@code loopwork.services.<name>} keys are
   * (ignoring case and punctuation); 404 with a JSON message if there is none of that name.
   */
  @ReadOperation
  public WebEndpointResponse<Object> service(@Selector String name) {
    return services
        .status(name)
        .<WebEndpointResponse<Object>>map(WebEndpointResponse::new)
        .orElseGet(() -> notFound(name));
  }

  /**
   * Pauses, resumes or runs once the service {@code name}: {@code action} is {@code pause}, {@code
   * resume} or {@code run-once}. Answers the service's status afterwards; 404 for an unknown
   * service, 400 for an unknown action, 409 without a DataSource for run-once on a service that was
   * never started here.
   */
  @WriteOperation
  public WebEndpointResponse<Object> act(@Selector String name, @Selector String action)
      throws InterruptedException {
    if (services.status(name).isEmpty()) {
      return notFound(name);
    }
    switch (action) {
      case "pause" -> services.pause(name);
      case "resume" -> services.resume(name);
      case "run-once" -> {
        try {
          services.runOnce(name);
        } catch (IllegalStateException e) {
          return message(409, e.getMessage());
        }
      }
      default -> {
        return message(
            WebEndpointResponse.STATUS_BAD_REQUEST,
            "Unknown action \"" + action + "\"; use pause, resume or run-once");
      }
    }
    return new WebEndpointResponse<>(services.status(name).orElseThrow());
  }

  private WebEndpointResponse<Object> notFound(String name) {
    return message(
        WebEndpointResponse.STATUS_NOT_FOUND,
        "No loop service named \""
            + (name.length() > 120 ? name.substring(0, 117) + "..." : name)
            + "\"; known services: "
            + services.names());
  }

  private static WebEndpointResponse<Object> message(int status, String message) {
    return new WebEndpointResponse<>(Map.of("message", message), status);
  }
}
