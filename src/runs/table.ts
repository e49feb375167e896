/**
 * Plain-text tables for the operations commands (status, list, count): aligned columns, no colour.
 * Cells hold what the server returned (types, task queues, failure messages), so each passes the
 * terminal sanitizer before it is measured and printed.
 */
import { sanitizeTerminalText } from "../base/terminal-text.js";

/** Renders rows under a header, each column as wide as its widest cell; the last column is not padded. */
export function renderTable(header: readonly string[], unsafeRows: ReadonlyArray<readonly string[]>): string {
  const rows = unsafeRows.map((row) => row.map(sanitizeTerminalText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** A time for a table cell: ISO 8601 in UTC to the second, or `-`. */
export function timeCell(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

/** A status as the `temporal` CLI spells it: `Running`, `TimedOut`, ... */
export function statusCell(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}
