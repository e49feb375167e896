/**
 * One formatter for diagnostics: `file:line:col: error NX123 message`, a code frame, and the hint.
 * Messages and hints can hold text from the server (preflight: endpoint targets, server errors) and
 * source lines anything the file holds (bidi overrides hide code): all of it goes through the
 * terminal sanitizer (src/base/terminal-text.ts).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { columns, graphemes } from "../base/terminal-columns.js";
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
 * Fewest columns a source line is given, whatever the terminal: two ellipses around a wide character
 * and a short token. Only a terminal narrower than its gutter and this wraps the frame.
 */
const MIN_ROOM = 8;

/**
 * The line at fault (and `context` lines above it), each cut to the terminal's width around the
 * caret: a file can hold a line of megabytes (or, through a symlink, anything), and only the place
 * at fault is worth showing. Counted in terminal columns (src/base/terminal-columns.ts), so a wide
 * or combining character before the caret leaves it under the text it marks.
 */
function codeFrame(
  lines: string[],
  d: Diagnostic,
  context: number,
  terminalColumns: number,
  paint: { dim: (s: string) => string; red: (s: string) => string },
): string {
  const first = Math.max(1, d.line - context);
  const width = String(d.line).length;
  const room = Math.max(MIN_ROOM, (Number.isFinite(terminalColumns) ? terminalColumns : 120) - width - 5);
  const lineText = lines[d.line - 1] ?? "";
  const start = Math.min(Math.max(1, d.column), lineText.length + 1);
  let length = 1;
  if (d.endLine === d.line && d.endColumn !== undefined && d.endColumn > start) length = d.endColumn - start;
  else if (d.endLine === undefined) {
    // Underline the token at the column: up to the next space, colon or bracket.
    const rest = lineText.slice(start - 1, start - 1 + room);
    const token = /^("[^"]*"|'[^']*'|[^\s:,\]}]+)/.exec(rest);
    if (token) length = token[0].length;
  } else length = Math.max(1, lineText.length - start + 1);
  // Only a window around the caret is read: no more characters than columns can ever be shown.
  const caret = start - 1;
  const from = pairStart(lineText, Math.max(0, caret - 4 * room));
  const to = pairStart(lineText, Math.min(lineText.length, caret + 4 * room));
  // The caret goes to the start of the cluster it falls in (an accent marks its letter).
  const pieces = shownPieces(lineText.slice(from, to));
  let split = 0;
  let caretIndex = from;
  while (split < pieces.length && caretIndex + (pieces[split] as Piece).raw.length <= caret) {
    caretIndex += (pieces[split] as Piece).raw.length;
    split++;
  }
  const before = pieces.slice(0, split);
  const after = pieces.slice(split);
  const markEnd = caret + Math.max(1, length);
  const beforeColumns = sum(before);
  const afterColumns = sum(after);
  let marked = 0;
  for (let at = caretIndex, n = 0; n < after.length && at < markEnd; n++) {
    const piece = after[n] as Piece;
    marked += piece.columns;
    at += piece.raw.length;
  }
  const whole = from === 0 && to === lineText.length && beforeColumns + afterColumns <= room;
  // When the line must be cut, keep about a third of the room before the caret, or more when the
  // line ends sooner: the room a short rest leaves goes to what stands before it.
  let keepBefore =
    whole || beforeColumns + Math.min(marked, room) <= room
      ? beforeColumns
      : Math.min(beforeColumns, Math.max(Math.floor(room / 3), room - 1 - afterColumns));
  const cutBefore = from > 0 || keepBefore < beforeColumns;
  if (cutBefore) keepBefore = Math.min(keepBefore, room - 2);
  const keptBefore = takeColumns(before.toReversed(), keepBefore).reverse();
  const caretAt = (cutBefore ? 1 : 0) + sum(keptBefore);
  const cutAfter = to < lineText.length || caretAt + afterColumns > room;
  const keptAfter = takeColumns(after, room - caretAt - (cutAfter ? 1 : 0));
  const atFault = `${cutBefore ? "…" : ""}${text(keptBefore)}${text(keptAfter)}${cutAfter ? "…" : ""}`;
  const out: string[] = [];
  for (let n = first; n <= d.line; n++) {
    const marker = n === d.line ? paint.red(">") : " ";
    out.push(
      `${marker} ${paint.dim(`${String(n).padStart(width)} |`)} ${n === d.line ? atFault : cutLine(lines[n - 1] ?? "", room)}`,
    );
  }
  // Never under the ellipsis of a line cut after the caret.
  const caretLength = Math.max(1, Math.min(marked, sum(keptAfter)));
  out.push(`  ${" ".repeat(width)} ${paint.dim("|")} ${" ".repeat(caretAt)}${paint.red("^".repeat(caretLength))}`);
  return out.join("\n");
}

/** A grapheme of a source line as it is shown (sanitized, a tab as one space) and its columns. */
interface Piece {
  readonly raw: string;
  readonly shown: string;
  readonly columns: number;
}

function shownPieces(raw: string): Piece[] {
  return graphemes(raw).map((piece) => {
    const shown = piece === "\t" ? " " : sanitizeTerminalText(piece);
    return { raw: piece, shown, columns: columns(shown) };
  });
}

/** The leading pieces that fit in `room` columns. */
function takeColumns(pieces: readonly Piece[], room: number): Piece[] {
  const kept: Piece[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (used + piece.columns > room) break;
    kept.push(piece);
    used += piece.columns;
  }
  return kept;
}

function sum(pieces: readonly Piece[]): number {
  return pieces.reduce((total, piece) => total + piece.columns, 0);
}

function text(pieces: readonly Piece[]): string {
  return pieces.map((piece) => piece.shown).join("");
}

/** A context line cut to `room` columns, `…` last when cut. */
function cutLine(line: string, room: number): string {
  const end = pairStart(line, Math.min(line.length, 4 * room));
  const pieces = shownPieces(line.slice(0, end));
  if (end === line.length && sum(pieces) <= room) return text(pieces);
  return `${text(takeColumns(pieces, room - 1))}…`;
}

/** `index`, moved back off the second half of a surrogate pair, so a slice there keeps the pair whole. */
function pairStart(line: string, index: number): number {
  const code = line.charCodeAt(index);
  return index > 0 && code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

/** A file as messages show it: relative to `cwd` when inside it, else as it is. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}
