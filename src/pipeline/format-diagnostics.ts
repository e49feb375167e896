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
  /** Lines of context above the diagnostic's line (default 1). */
  context?: number;
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
      parts.push(codeFrame(lines, d, options.context ?? 1, { dim, red: d.severity === "error" ? red : yellow }));
    if (d.hint) parts.push(`  ${cyan("hint:")} ${sanitizeTerminalLines(d.hint)}`);
    return parts.join("\n");
  });
  return blocks.join("\n\n");
}

function codeFrame(
  lines: string[],
  d: Diagnostic,
  context: number,
  paint: { dim: (s: string) => string; red: (s: string) => string },
): string {
  const first = Math.max(1, d.line - context);
  const width = String(d.line).length;
  const out: string[] = [];
  for (let n = first; n <= d.line; n++) {
    const text = sanitizeTerminalText((lines[n - 1] ?? "").replace(/\t/g, " "));
    const marker = n === d.line ? paint.red(">") : " ";
    out.push(`${marker} ${paint.dim(`${String(n).padStart(width)} |`)} ${text}`);
  }
  const lineText = lines[d.line - 1] ?? "";
  const start = Math.max(1, d.column);
  let length = 1;
  if (d.endLine === d.line && d.endColumn !== undefined && d.endColumn > start) length = d.endColumn - start;
  else if (d.endLine === undefined) {
    // Underline the token at the column: up to the next space, colon or bracket.
    const rest = lineText.slice(start - 1);
    const token = /^("[^"]*"|'[^']*'|[^\s:,\]}]+)/.exec(rest);
    if (token) length = token[0].length;
  } else length = Math.max(1, lineText.length - start + 1);
  length = Math.max(1, Math.min(length, Math.max(1, lineText.length - start + 1)));
  // The caret stands under the shown (sanitized) line: an escaped character is wider than one column.
  const shownStart = sanitizeTerminalText(lineText.slice(0, start - 1).replace(/\t/g, " ")).length;
  const shownLength = Math.max(1, sanitizeTerminalText(lineText.slice(start - 1, start - 1 + length)).length);
  out.push(`  ${" ".repeat(width)} ${paint.dim("|")} ${" ".repeat(shownStart)}${paint.red("^".repeat(shownLength))}`);
  return out.join("\n");
}

/** A file as messages show it: relative to `cwd` when inside it, else as it is. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}
