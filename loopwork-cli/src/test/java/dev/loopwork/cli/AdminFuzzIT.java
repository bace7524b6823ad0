package dev.loopwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a few thousand generated requests (methods, paths with hostile encodings and raw bytes,
 * headers of every size and count, wrong tokens, bodies with true and false lengths) against a
 * running host, each on its own socket. Every one gets an HTTP answer with a JSON body (no reset,
 * no silence), none a 500; none changes anything, since none carries the token; and no log line
 * carries a request's marker unescaped.
 *
 * <p>The seed is printed; {@code -Dloopwork.fuzz.seed=N} replays a run.
 */
class AdminFuzzIT {
  private static final String TOKEN = "fuzz-token-8d1e";
  private static final int REQUESTS = 3_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Integer> ANSWERS =
      Set.of(200, 400, 401, 404, 405, 413, 414, 431, 501, 505);
  private static final List<String> METHODS =
      List.of(
          "GET",
          "POST",
          "HEAD",
          "PUT",
          "DELETE",
          "OPTIONS",
          "TRACE",
          "PATCH",
          "CONNECT",
          "get",
          "PRI",
          "G\u0001T",
          "",
          "X".repeat(300));
  private static final List<String> NAMES =
      List.of(
          "tidy-up",
          "nope",
          "%00",
          "%0a",
          "%0d%0aFORGED",
          "..",
          "%2e%2e",
          "%2F",
          "%2f..%2f",
          "%zz",
          "%",
          "%C3%A9",
          "%E2%80%A8",
          "%ff%fe",
          "a b",
          "tidy-up%00",
          "x".repeat(200),
          "\u0001",
          "\r",
          ";",
          "%3B",
          "tidy-up?x=1",
          "tidy-up#f",
          "",
          "\\",
          "%5C");
  private static final List<String> ENDINGS =
      List.of(
          "runs",
          "pause",
          "resume",
          "run-once",
          "explode",
          "",
          "%0a",
          "runs/extra",
          "pause?token=" + TOKEN.substring(0, 4));
  private static final List<String> PATHS =
      List.of(
          "/",
          "/api/services",
          "/health/live",
          "/health/ready",
          "/metrics",
          "//api//services",
          "/api/services/",
          "/../../etc/passwd",
          "/%2e%2e/%2e%2e/etc/passwd",
          "*",
          "http://evil.example/api/services",
          "/api/services?%zz",
          "/%",
          "/\u0000",
          "/\u00e9",
          "/x%0d%0aFORGED");
  private static final List<String> AUTHORIZATION =
      List.of(
          "Bearer",
          "Bearer ",
          "Bearer wrong",
          "Bearer " + TOKEN.substring(0, TOKEN.length() - 1),
          "Bearer " + TOKEN + "x",
          "bearer " + TOKEN.toUpperCase(),
          "Basic " + TOKEN,
          TOKEN,
          "Bearer " + "t".repeat(20_000),
          "Bearer \u0000" + TOKEN);

  @TempDir Path dir;

  @Test
  void generatedRequestsGetJsonAnswersChangeNothingAndForgeNoLogLine() throws Exception {
    long seed = Long.getLong("loopwork.fuzz.seed", System.nanoTime());
    System.out.println("AdminFuzzIT seed: " + seed);
    Random random = new Random(seed);
    int port = HostProcess.freePort();
    Files.writeString(
        dir.resolve("loopwork.yaml"),
        "database:\n  url: "
            + TestDatabases.h2File(dir)
            + "\n"
            + "admin:\n  port: "
            + port
            + "\n  token: ${env:LOOPWORK_ADMIN_TOKEN}\n"
            + "services:\n  tidy-up:\n    interval: 1h\n    sql: CREATE TABLE IF NOT EXISTS tidy (id INT)\n");
    try (HostProcess host =
        HostProcess.start(
            dir, Map.of("LOOPWORK_ADMIN_TOKEN", TOKEN), "run", "-c", "loopwork.yaml")) {
      host.awaitLog("admin HTTP and dashboard on http://127.0.0.1:" + port + "/");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> service(port).get("iterations").asLong() == 1);
      JsonNode before = service(port);

      List<String> problems = new ArrayList<>();
      for (int i = 0; i < REQUESTS && problems.size() < 10; i++) {
        byte[] request = request(random, i);
        String answer = RawHttp.exchange(port, request);
        String problem = problem(answer);
        if (problem != null) {
          problems.add(
              "request "
                  + i
                  + " "
                  + HexFormat.of().formatHex(request, 0, Math.min(80, request.length))
                  + ": "
                  + problem);
        }
      }

      assertThat(problems).as("seed " + seed).isEmpty();
      JsonNode after = service(port);
      assertThat(after.get("paused")).isEqualTo(before.get("paused"));
      assertThat(after.get("iterations"))
          .as("no run-once got through")
          .isEqualTo(before.get("iterations"));
      assertThat((host.stdout() + host.stderr()).lines())
          .noneMatch(line -> line.contains("MARK-") || line.contains("FORGED"))
          .noneMatch(line -> line.contains(" ERROR ") || line.contains("Exception"));
      host.terminate();
      assertThat(host.awaitExit(Duration.ofSeconds(60))).isZero();
    }
  }

  /**
   * What is wrong with an answer, or null: it must be a whole HTTP answer other than 500, with a
   * JSON body.
   */
  private static String problem(String answer) {
    if (!answer.startsWith("HTTP/1.1 ")) {
      return "no HTTP answer: " + answer;
    }
    int status = Integer.parseInt(answer.substring(9, 12));
    if (!ANSWERS.contains(status)) {
      return "status " + status + ": " + answer;
    }
    int bodyAt = answer.indexOf("\r\n\r\n");
    String head = answer.substring(0, bodyAt);
    String body = answer.substring(bodyAt + 4);
    if (!body.isEmpty() && status != 200 && !isJsonError(body)) {
      return "no JSON error: " + answer;
    }
    if (status == 200 && !head.contains("Content-Type:")) {
      return "no content type: " + answer;
    }
    return null;
  }

  private static boolean isJsonError(String body) {
    try {
      return JSON.readTree(body).hasNonNull("error");
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] request(Random random, int index) {
    StringBuilder text = new StringBuilder();
    text.append(pick(random, METHODS)).append(' ').append(target(random, index));
    text.append(random.nextInt(20) == 0 ? " HTTP/9.9" : random.nextInt(30) == 0 ? "" : " HTTP/1.1")
        .append("\r\n");
    if (random.nextInt(10) != 0) {
      text.append("Host: 127.0.0.1\r\n");
    }
    int headers = random.nextInt(8) == 0 ? random.nextInt(400) : random.nextInt(6);
    for (int h = 0; h < headers; h++) {
      switch (random.nextInt(6)) {
        case 0 -> text.append("Authorization: ").append(pick(random, AUTHORIZATION)).append("\r\n");
        case 1 ->
            text.append("X-Mark: MARK-")
                .append(index)
                .append(random.nextBoolean() ? "\n" : "\u0000")
                .append("FORGED\r\n");
        case 2 ->
            text.append("X-")
                .append(h)
                .append(": ")
                .append("v".repeat(random.nextInt(3) == 0 ? 9_000 : 8))
                .append("\r\n");
        case 3 -> text.append(random.nextBoolean() ? "Bad Header\r\n" : ": no name\r\n");
        case 4 -> text.append("Content-Type: application/json\r\n");
        default -> text.append("Accept: */*\r\n");
      }
    }
    byte[] body = new byte[random.nextInt(4) == 0 ? random.nextInt(3_000) : 0];
    random.nextBytes(body);
    switch (random.nextInt(5)) {
      case 0 -> text.append("Content-Length: ").append(body.length).append("\r\n");
      case 1 ->
          text.append("Content-Length: ")
              .append(
                  pick(
                      random,
                      List.of(
                          "-1",
                          "x",
                          "99999999999999999999",
                          "70000",
                          String.valueOf(body.length + 10),
                          "1, 2")))
              .append("\r\n");
      case 2 ->
          text.append("Transfer-Encoding: ")
              .append(random.nextBoolean() ? "chunked" : "gzip, chunked")
              .append("\r\n");
      default -> body = new byte[0];
    }
    text.append("Connection: close\r\n\r\n");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(
        text.toString()
            .getBytes(
                random.nextInt(4) == 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
    bytes.writeBytes(body);
    return bytes.toByteArray();
  }

  private static String target(Random random, int index) {
    String path =
        random.nextBoolean()
            ? pick(random, PATHS)
            : "/api/services/" + pick(random, NAMES) + "/" + pick(random, ENDINGS);
    if (random.nextInt(4) == 0) {
      path += (random.nextBoolean() ? "%0aMARK-" : "\u0000MARK-") + index;
    }
    return random.nextInt(40) == 0 ? path + "/" + "y".repeat(20_000) : path;
  }

  private static JsonNode service(int port) throws IOException {
    String answer =
        RawHttp.exchange(
            port,
            ("GET /api/services HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    for (JsonNode row : JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4))) {
      if (row.get("name").asText().equals("tidy-up")) {
        return row;
      }
    }
    throw new AssertionError("no tidy-up in " + answer);
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
