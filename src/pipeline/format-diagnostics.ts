/**
 * One formatter for diagnostics: `file:line:col: error NX123 message`, a code frame, and the hint.
 * Messages and hints can hold text from the server (preflight: endpoint targets, server errors) and
 * source lines anything the file holds (bidi overrides hide code): all of it goes through the
 * terminal sanitizer (src/base/terminal-text.ts).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { sanitizeTerminalLines, sanitizeTerminalText } from "../base/terminal-text.js";
import type { Diagnostic } from "./diagnostic.js";

export interface FormatOptions {
  /** ANSI colours (default off). */
  color?: boolean;
  /** File contents by path, to avoid reading files again; read from disk when absent. */
  sources?: ReadonlyMap<string, string>;
  /** Lines of context above the diagnostic's line (default 0: only the line at fault). */
  context?: number;
  /** Columns of the terminal: a longer source line is cut to a window around the caret (default 120). */
  width?: number;
  /** Paths are shown relative to this directory (default the current directory). */
  cwd?: string;
}

const ansi = (code: string, on: boolean) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Formats diagnostics for a terminal, each with a code frame when its file can be read. */
export function formatDiagnostics(diags: readonly Diagnostic[], options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const red = ansi("31", color);
  const yellow = ansi("33", color);
  const bold = ansi("1", color);
  const dim = ansi("2", color);
  const cyan = ansi("36", color);
  const cache = new Map<string, string[] | undefined>();
  const linesOf = (file: string): string[] | undefined => {
    if (!cache.has(file)) {
      let text = options.sources?.get(file);
      if (text === undefined) {
        try {
          text = readFileSync(file, "utf8");
        } catch {
          text = undefined;
        }
      }
      cache.set(file, text?.split(/\r?\n/));
    }
    return cache.get(file);
  };
  const cwd = options.cwd ?? process.cwd();

  const blocks = diags.map((d) => {
    const shown = sanitizeTerminalText(displayPath(d.file, cwd));
    const place = d.line > 0 ? `${shown}:${d.line}:${d.column}` : shown;
    const severity = d.severity === "error" ? red(bold("error")) : yellow(bold("warning"));
    const parts = [`${bold(place)}: ${severity} ${dim(d.code)} ${sanitizeTerminalLines(d.message)}`];
    const lines = d.line > 0 ? linesOf(d.file) : undefined;
    if (lines && d.line <= lines.length)
      parts.push(
        codeFrame(lines, d, options.context ?? 0, options.width ?? 120, {
          dim,
          red: d.severity === "error" ? red : yellow,
        }),
      );
    if (d.hint) parts.push(`  ${cyan("hint:")} ${sanitizeTerminalLines(d.hint)}`);
    return parts.join("\n");
  });
  return blocks.join("\n\n");
}

/**
 * The line at fault (and `context` lines above it), each cut to the terminal's width around the
 * caret: a file can hold a line of megabytes (or, through a symlink, anything), and only the place
 * at fault is worth showing.
 */
function codeFrame(
  lines: string[],
  d: Diagnostic,
  context: number,
  columns: number,
  paint: { dim: (s: string) => string; red: (s: string) => string },
): string {
  const first = Math.max(1, d.line - context);
  const width = String(d.line).length;
  const room = Math.max(20, columns - width - 5);
  const lineText = lines[d.line - 1] ?? "";
  const start = Math.max(1, d.column);
  let length = 1;
  if (d.endLine === d.line && d.endColumn !== undefined && d.endColumn > start) length = d.endColumn - start;
  else if (d.endLine === undefined) {
    // Underline the token at the column: up to the next space, colon or bracket.
    const rest = lineText.slice(start - 1, start - 1 + room);
    const token = /^("[^"]*"|'[^']*'|[^\s:,\]}]+)/.exec(rest);
    if (token) length = token[0].length;
  } else length = Math.max(1, lineText.length - start + 1);
  length = Math.max(1, Math.min(length, Math.max(1, lineText.length - start + 1)));
  // The caret's place in the line as shown (sanitized: an escaped character is wider than one column).
  const before = sanitizeTerminalText(lineText.slice(Math.max(0, start - 1 - room), start - 1).replace(/\t/g, " "));
  const marked = sanitizeTerminalText(lineText.slice(start - 1, start - 1 + Math.min(length, room)));
  // One character more than fits, so a line that goes on is cut with an ellipsis.
  const after = sanitizeTerminalText(lineText.slice(start - 1, start + room).replace(/\t/g, " "));
  // When the line must be cut, keep about a third of the room before the caret, or more when the
  // line ends sooner: the room a short rest leaves goes to what stands before it.
  const keepBefore =
    before.length + marked.length <= room
      ? before.length
      : Math.min(before.length, Math.max(Math.floor(room / 3), room - 1 - after.length));
  const cutBefore = start - 1 > keepBefore || before.length > keepBefore;
  const cut = (text: string) => (text.length > room ? `${text.slice(0, room - 1)}…` : text);
  const atFault = cut(`${cutBefore ? "…" : ""}${before.slice(before.length - keepBefore)}${after}`);
  const out: string[] = [];
  for (let n = first; n <= d.line; n++) {
    const marker = n === d.line ? paint.red(">") : " ";
    const text =
      n === d.line ? atFault : cut(sanitizeTerminalText((lines[n - 1] ?? "").slice(0, room + 1).replace(/\t/g, " ")));
    out.push(`${marker} ${paint.dim(`${String(n).padStart(width)} |`)} ${text}`);
  }
  const caretAt = (cutBefore ? 1 : 0) + keepBefore;
  // Never under the ellipsis of a line cut after the caret.
  const shownAfter = atFault.endsWith("…") && atFault.length === room ? room - 1 : atFault.length;
  const caretLength = Math.max(1, Math.min(marked.length, shownAfter - caretAt));
  out.push(`  ${" ".repeat(width)} ${paint.dim("|")} ${" ".repeat(caretAt)}${paint.red("^".repeat(caretLength))}`);
  return out.join("\n");
}

/** A file as messages show it: relative to `cwd` when inside it, else as it is. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}
