package dev.loopwork.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Driver;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Packs compiled test classes into a jar, as a plugin author would, for the host's plugins folder.
 */
final class PluginJar {
  private PluginJar() {}

  /** Writes {@code jar} holding the class files of {@code classes}. */
  static Path write(Path jar, Class<?>... classes) throws IOException {
    return write(jar, Map.of(), classes);
  }

  /**
   * Writes {@code jar} holding the class file of {@code driver} and naming it in {@code
   * META-INF/services/java.sql.Driver}, as a JDBC driver's jar does.
   */
  static Path writeDriver(Path jar, Class<? extends Driver> driver) throws IOException {
    return write(
        jar, Map.of("META-INF/services/" + Driver.class.getName(), driver.getName()), driver);
  }

  private static Path write(Path jar, Map<String, String> texts, Class<?>... classes)
      throws IOException {
    Files.createDirectories(jar.getParent());
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      for (Class<?> type : classes) {
        String entry = type.getName().replace('.', '/') + ".class";
        out.putNextEntry(new JarEntry(entry));
        try (var in = type.getClassLoader().getResourceAsStream(entry)) {
          in.transferTo(out);
        }
        out.closeEntry();
      }
      for (Map.Entry<String, String> text : texts.entrySet()) {
        out.putNextEntry(new JarEntry(text.getKey()));
        out.write((text.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }
}
