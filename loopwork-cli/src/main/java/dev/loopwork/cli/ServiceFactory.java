package dev.loopwork.cli;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import dev.loopwork.cli.HostConfig.Kind;
import dev.loopwork.cli.HostConfig.ServiceSpec;
import dev.loopwork.jdbc.SecretMask;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the loop services of a configuration: {@link SqlLoopService} for {@code sql}, and for
 * {@code class} an instance of the named {@link LoopService} subclass, loaded from the jars of the
 * plugins folder or from the class path and constructed with its {@link ServiceSection}. The JDBC
 * drivers in those jars are registered while it is open ({@link PluginFolder}). Problems are
 * reported like configuration problems, with the path of the {@code class} key, or of {@code
 * database.url} when no driver accepts the URL.
 */
final class ServiceFactory implements AutoCloseable {
  private final String source;
  private final PluginFolder plugins;
  private final SecretMask secrets;
  private final String jdbcUrl;
  private final Path pluginsFolder;

  /**
   * A factory for the services of {@code config}: it loads classes from the jars of its plugins
   * folder (if it exists) and the class path, registers the JDBC drivers of those jars, and gives
   * sql services the configuration's secrets to mask in their errors.
   */
  ServiceFactory(HostConfig config) {
    this.source = config.source();
    this.pluginsFolder = config.plugins();
    this.plugins = PluginFolder.open(config);
    this.secrets = config.secretMask();
    this.jdbcUrl = config.database().jdbcUrl();
  }

  /**
   * The services of {@code specs}; {@code construct} false only checks that each class can be made
   * and that a driver accepts the database's URL.
   *
   * @throws ConfigException naming every service whose class is missing or unsuitable, and the
   *     database's URL if no driver of the host or of the plugins folder accepts it
   */
  List<LoopService> create(List<ServiceSpec> specs, boolean construct) {
    List<String> problems = new ArrayList<>();
    PluginDrivers.missingDriver(jdbcUrl, pluginsFolder)
        .ifPresent(problem -> problems.add("database.url: " + problem));
    List<LoopService> services = new ArrayList<>();
    for (ServiceSpec spec : specs) {
      if (spec.kind() == Kind.SQL) {
        services.add(new SqlLoopService(spec, secrets));
        continue;
      }
      String path = "services." + spec.name() + ".class";
      try {
        Constructor<? extends LoopService> constructor =
            constructor(spec.className().orElseThrow());
        if (construct) {
          services.add(construct(spec, constructor));
        }
      } catch (PluginException e) {
        problems.add(path + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(source, problems);
    }
    return services;
  }

  /** The options that the configuration gives a service. */
  static LoopOptions options(ServiceSpec spec) {
    LoopOptions.Builder options = LoopOptions.builder();
    spec.schedule().applyTo(options);
    return options.iterationTimeout(spec.timeout().orElse(null)).handleSignals(false).build();
  }

  private Constructor<? extends LoopService> constructor(String className) {
    Class<?> type;
    try {
      type = Class.forName(className, false, plugins.classLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PluginException(className + " is not in the plugins folder nor on the class path");
    }
    if (!LoopService.class.isAssignableFrom(type) || Modifier.isAbstract(type.getModifiers())) {
      throw new PluginException(
          className + " is not a concrete subclass of " + LoopService.class.getName());
    }
    try {
      return type.asSubclass(LoopService.class).getConstructor(ServiceSection.class);
    } catch (NoSuchMethodException e) {
      throw new PluginException(
          className + " has no public constructor that takes a " + ServiceSection.class.getName());
    }
  }

  private static LoopService construct(
      ServiceSpec spec, Constructor<? extends LoopService> constructor) {
    String className = constructor.getDeclaringClass().getName();
    LoopService service;
    try {
      service =
          constructor.newInstance(new ServiceSection(spec.name(), options(spec), spec.settings()));
    } catch (InvocationTargetException e) {
      throw new PluginException(className + " failed to construct: " + e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new PluginException(className + " cannot be constructed: " + e);
    }
    if (!spec.name().equals(service.name())) {
      throw new PluginException(
          className
              + " names itself \""
              + service.name()
              + "\"; its name() must return "
              + "section.name() (\""
              + spec.name()
              + "\")");
    }
    return service;
  }

  @Override
  public void close() throws IOException {
    plugins.close();
  }

  private static final class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PluginException(String message) {
      super(message);
    }
  }
}
