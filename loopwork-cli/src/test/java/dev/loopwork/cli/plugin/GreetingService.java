package dev.loopwork.cli.plugin;

import dev.loopwork.cli.ServiceSection;
import dev.loopwork.jdbc.JdbcLoopService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A plugin service for the end-to-end tests: each iteration inserts its {@code message} setting
 * into the table {@code greetings}. It is packed into a jar in a plugins folder by the test, so the
 * host loads it from there.
 */
public final class GreetingService extends JdbcLoopService {
  private final ServiceSection section;

  public GreetingService(ServiceSection section) {
    super(section.options());
    this.section = section;
  }

  @Override
  public String name() {
    return section.name();
  }

  @Override
  protected void runOnce() throws SQLException {
    logger().info("greeting {}", section.settings().get("message"));
    try (Connection c = database().connection();
        PreparedStatement insert =
            c.prepareStatement("INSERT INTO greetings (message) VALUES (?)")) {
      insert.setString(1, String.valueOf(section.settings().get("message")));
      insert.executeUpdate();
    }
  }
}
