package dev.loopwork.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HTTP as bytes on a socket, for requests that no HTTP client would send. */
final class RawHttp {
  private RawHttp() {}

  /**
   * Sends {@code request} on a new socket, closes the sending side and reads the answer to the end.
   * A reset after a whole answer is how a server ends a connection whose request it did not read to
   * the end (the kernel resets a socket closed with unread bytes); a reset before the whole answer
   * is a failure.
   */
  static String exchange(int port, byte[] request) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      try {
        socket.getOutputStream().write(request);
        socket.shutdownOutput();
      } catch (IOException e) {
        // The server answered and closed before it read the whole request: its answer may be there
        // to read.
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        answer.write(buffer, 0, n);
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    } catch (SocketTimeoutException e) {
      return "silence for 10 s";
    } catch (IOException e) {
      String read = answer.toString(StandardCharsets.ISO_8859_1);
      boolean head =
          new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
              .equals("HEAD ");
      return isWhole(read, head) ? read : "reset: " + e + " after " + read.length() + " bytes";
    }
  }

  /**
   * Whether {@code answer} holds a status line, the headers and the body their Content-Length
   * announces.
   */
  private static boolean isWhole(String answer, boolean head) {
    int bodyAt = answer.indexOf("\r\n\r\n");
    if (!answer.startsWith("HTTP/1.1 ") || bodyAt < 0) {
      return false;
    }
    Matcher length =
        Pattern.compile("(?im)^Content-Length: *(\\d+)\r$")
            .matcher(answer.substring(0, bodyAt + 2));
    int body = answer.length() - bodyAt - 4;
    return length.find() && body == (head ? 0 : Integer.parseInt(length.group(1)));
  }
}
