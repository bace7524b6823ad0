package dev.loopwork.spring.boot;

import dev.loopwork.LoopOptions;
import dev.loopwork.LoopService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.OptionalLong;
import org.springframework.util.ReflectionUtils;

/**
 * A {@link LoopTask} method run as a loop service: each iteration calls the method on its bean
 * (through the bean's proxy, so that its transactions and other advice apply).
 */
final class MethodLoopService extends LoopService {
  private final String name;
  private final Object bean;
  private final Method method;
  private final boolean takesContext;
  private final Coordination coordination;
  private long iteration;

  MethodLoopService(
      String name,
      LoopOptions options,
      Coordination coordination,
      Object bean,
      Method method,
      boolean takesContext) {
    super(options);
    this.name = name;
    this.coordination = coordination;
    this.bean = bean;
    this.method = method;
    this.takesContext = takesContext;
    ReflectionUtils.makeAccessible(method);
  }

  @Override
  public String name() {
    return name;
  }

  /** The coordination the annotation asks for, or {@code null} for the application's default. */
  Coordination coordination() {
    return coordination;
  }

  @Override
  protected void onStart() {
    iteration = 0;
  }

  @Override
  protected void runOnce() throws Exception {
    long number = ++iteration;
    try {
      if (takesContext) {
        method.invoke(bean, new Context(number, fencingToken()));
      } else {
        method.invoke(bean);
      }
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception exception) {
        throw exception;
      }
      throw (Error) cause;
    }
  }

  /** The iteration as the method sees it. */
  private final class Context implements LoopTaskContext {
    private final long number;
    private final OptionalLong fencingToken;

    Context(long number, OptionalLong fencingToken) {
      this.number = number;
      this.fencingToken = fencingToken;
    }

    @Override
    public String serviceName() {
      return name;
    }

    @Override
    public long iteration() {
      return number;
    }

    @Override
    public OptionalLong fencingToken() {
      return fencingToken;
    }

    @Override
    public String toString() {
      return name + " iteration " + number;
    }
  }
}
