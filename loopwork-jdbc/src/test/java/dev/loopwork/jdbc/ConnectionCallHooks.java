package dev.loopwork.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.function.Supplier;
import javax.sql.DataSource;

/** Test data sources whose connections run a hook of the test's before each call on them. */
final class ConnectionCallHooks {
  private ConnectionCallHooks() {}

  /** What a test does before a call on a connection: the method and its arguments. */
  interface Hook {
    void before(Method method, Object[] args) throws Exception;
  }

  /**
   * {@code source}, whose connections each run a hook of their own (made by {@code hooks}) before
   * each call on them.
   */
  static DataSource beforeConnectionCalls(DataSource source, Supplier<Hook> hooks) {
    ClassLoader loader = ConnectionCallHooks.class.getClassLoader();
    return (DataSource)
        Proxy.newProxyInstance(
            loader,
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(source, method, args);
              if (!(result instanceof Connection connection)) {
                return result;
              }
              Hook hook = hooks.get();
              return Proxy.newProxyInstance(
                  loader,
                  new Class<?>[] {Connection.class},
                  (p, m, a) -> {
                    hook.before(m, a);
                    return invoke(connection, m, a);
                  });
            });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
