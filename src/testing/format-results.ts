/**
 * `nxrun test`'s text: one line per case, under a failed case what differs (the path, expected,
 * found), then what the cases never reached and the shared item mocks none used, then the count. Every value and name goes through the
 * terminal sanitizer: test files and mocks are text from outside nxrun too.
 */
import type { SourcePosition } from "../base/source-position.js";
import { sanitizeTerminalText } from "../base/terminal-text.js";
import { formatDuration } from "../pipeline/duration.js";
import { displayPath } from "../pipeline/format-diagnostics.js";
import type { Mismatch } from "./compare.js";
import type { CaseResult } from "./run-case.js";
import type { TestRun } from "./run-tests.js";

export interface FormatOptions {
  readonly color: boolean;
  /** Paths are shown relative to it. */
  readonly cwd: string;
}

/** Longest value shown in a difference; the path already says where to look. */
const MAX_VALUE_CHARS = 160;

export function formatCaseLine(result: CaseResult, options: FormatOptions): string[] {
  const paint = painter(options.color);
  const name = `${shown(displayPath(result.file, options.cwd))} › ${shown(result.name)}`;
  const time = paint.dim(` (${formatDuration(result.durationMs)})`);
  if (result.passed) return [`${paint.green("✓")} ${name}${time}`];
  const lines = [`${paint.red("✗")} ${name}${time}`];
  for (const problem of result.problems)
    lines.push(
      `    ${paint.red(shown(problem.path))}: ${shown(placed(problem.message, problem.position, options.cwd))}`,
    );
  for (const mismatch of result.mismatches) lines.push(...mismatchLines(mismatch, paint, options.cwd));
  return lines;
}

export function formatSummary(run: TestRun, elapsedMs: number, options: FormatOptions): string[] {
  const paint = painter(options.color);
  const lines: string[] = [];
  if (run.cases.length > 0 && run.unreached.length > 0) {
    lines.push("", "not reached by any case:");
    for (const u of run.unreached)
      lines.push(`  ${shown(displayPath(u.pipeline, options.cwd))}: ${shown(u.step)} ${paint.yellow(u.what)}`);
  }
  if (run.unusedSharedMocks.length > 0) {
    lines.push("", "shared item mocks no case used:");
    for (const m of run.unusedSharedMocks)
      lines.push(
        `  ${shown(placeText(m.position, options.cwd))}: ${shown(`${m.step}[${m.index}]`)} ${paint.yellow("never reached")}`,
      );
  }
  const failed = run.cases.filter((c) => !c.passed).length;
  const counts = [
    `${run.cases.length - failed} passed`,
    failed > 0 ? paint.red(`${failed} failed`) : "",
    run.diagnostics.length > 0
      ? paint.red(`${run.diagnostics.length} problem${run.diagnostics.length === 1 ? "" : "s"} in test files`)
      : "",
  ].filter(Boolean);
  const files = `${run.files.length} file${run.files.length === 1 ? "" : "s"}`;
  lines.push(
    "",
    `${run.cases.length} case${run.cases.length === 1 ? "" : "s"} in ${files}: ${counts.join(", ")} (${formatDuration(elapsedMs)})`,
  );
  return lines;
}

function mismatchLines(m: Mismatch, paint: Painter, cwd: string): string[] {
  const head = `    ${paint.red(shown(m.path))}: `;
  if (m.message !== undefined) {
    const lines = [`${head}${shown(placed(m.message, m.position, cwd))}`];
    if (m.expected !== undefined && typeof m.expected !== "string")
      lines.push(`      expected ${valueText(m.expected)}`);
    lines.push(`      found    ${valueText(m.actual)}`);
    return lines;
  }
  return [`${head}expected ${paint.green(valueText(m.expected))}, found ${paint.red(valueText(m.actual))}`];
}

/** `file:line:col`, the file relative to `cwd` when it is under it. */
export function placeText(position: SourcePosition, cwd: string): string {
  return `${displayPath(position.file, cwd)}:${position.line}:${position.column}`;
}

/** A message after where in the test file it comes from (`file:line:col: message`), when it has a place. */
export function placed(message: string, position: SourcePosition | undefined, cwd: string): string {
  return position === undefined ? message : `${placeText(position, cwd)}: ${message}`;
}

/** A value as compact JSON (`nothing` when absent), cut to a line. */
export function valueText(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return shown(text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text);
}

function shown(text: string): string {
  return sanitizeTerminalText(text);
}

type Painter = Record<"red" | "green" | "yellow" | "dim", (text: string) => string>;

function painter(color: boolean): Painter {
  const ansi = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { red: ansi("31"), green: ansi("32"), yellow: ansi("33"), dim: ansi("2") };
}
