package dev.loopwork.spring.boot;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/**
 * An H2 trigger that refuses every update of the lease table, so that leases can no longer be
 * renewed or taken.
 */
public class RejectLeaseUpdates implements Trigger {
  @Override
  public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
    throw new SQLException("lease updates are refused by the test");
  }
}
