package dev.loopwork.bench;

/**
 * The markdown of the generated part of the document, written piece by piece: headings, table rows,
 * lines.
 */
final class Markdown {
  private final StringBuilder md = new StringBuilder();

  /** A level-3 heading and the blank line after it. */
  void heading(String title) {
    md.append("### ").append(title).append("\n\n");
  }

  /** One table row of {@code cells}. */
  void row(String... cells) {
    md.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  /** The line under a table's header row, for {@code columns} columns. */
  void separator(int columns) {
    md.append("|").append("---|".repeat(columns)).append('\n');
  }

  /** One line of text. */
  void line(String text) {
    md.append(text).append('\n');
  }

  /** An empty line, which ends a table or a paragraph. */
  void blank() {
    md.append('\n');
  }

  @Override
  public String toString() {
    return md.toString();
  }
}
