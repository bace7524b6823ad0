package dev.loopwork.jdbc;

/**
 * The iteration of a {@link JdbcLoopService} written as a lambda: it receives the runtime's
 * database.
 */
@FunctionalInterface
public interface DatabaseLoopBody {
  /** One iteration; see {@link dev.loopwork.LoopService#runOnce()}. */
  void runOnce(Database database) throws Exception;
}
