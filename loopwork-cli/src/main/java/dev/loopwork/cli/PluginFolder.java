package dev.loopwork.cli;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The jars of the configuration's plugins folder, open: a class loader over them (in front of the
 * host's own) and their JDBC drivers registered ({@link PluginDrivers}), until closed.
 */
final class PluginFolder implements AutoCloseable {
  private final URLClassLoader loader;
  private final PluginDrivers drivers;

  private PluginFolder(URLClassLoader loader) {
    this.loader = loader;
    this.drivers = PluginDrivers.register(loader);
  }

  /**
   * Opens the plugins folder of {@code config}; one that does not exist holds no jars.
   *
   * @throws ConfigException if the folder cannot be listed
   */
  static PluginFolder open(HostConfig config) {
    return new PluginFolder(
        new URLClassLoader(
            jars(config.source(), config.plugins()), PluginFolder.class.getClassLoader()));
  }

  /** The class loader of the folder's jars, which asks the host's class path first. */
  ClassLoader classLoader() {
    return loader;
  }

  private static URL[] jars(String source, Path folder) {
    if (!Files.isDirectory(folder)) {
      return new URL[0];
    }
    try (Stream<Path> files = Files.list(folder)) {
      List<URL> urls = new ArrayList<>();
      for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
        urls.add(jar.toUri().toURL());
      }
      return urls.toArray(URL[]::new);
    } catch (MalformedURLException e) {
      throw new ConfigException(
          source, List.of("plugins: cannot use " + folder + ": " + e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException(source, List.of("plugins: cannot list " + folder + ": " + e));
    }
  }

  /** Deregisters the drivers and closes the class loader. */
  @Override
  public void close() throws IOException {
    drivers.close();
    loader.close();
  }
}
