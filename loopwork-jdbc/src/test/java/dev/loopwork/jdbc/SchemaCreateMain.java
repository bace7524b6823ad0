package dev.loopwork.jdbc;

/**
 * Creates Loopwork's tables at a given wall-clock instant, so that several processes started a
 * moment apart all try at once; run by {@link SchemaContract}. Prints {@code VERSION <n>} when
 * done.
 *
 * <p>Arguments: url user startAtEpochMillis
 */
public final class SchemaCreateMain {
  private SchemaCreateMain() {}

  public static void main(String[] args) {
    long startAt = Long.parseLong(args[2]);
    try (Database database = Database.builder().url(args[0]).user(args[1]).build()) {
      LoopworkSchema.version(database); // connected and warmed up before the common moment
      while (System.currentTimeMillis() < startAt) {
        Thread.onSpinWait();
      }
      LoopworkSchema.create(database);
      System.out.println("VERSION " + LoopworkSchema.version(database));
    }
  }
}
