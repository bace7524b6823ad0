package com.example.consumer;

import dev.loopwork.jdbc.JdbcLoopService;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** A user's service on loopwork-jdbc: deletes expired sessions every 30 seconds. */
public class ExpireSessions extends JdbcLoopService {
  public ExpireSessions() {
    super(Duration.ofSeconds(30));
  }

  @Override
  protected void runOnce() throws SQLException {
    database()
        .useTransaction(
            c -> {
              try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM sessions WHERE expires < CURRENT_TIMESTAMP");
              }
            });
  }
}
