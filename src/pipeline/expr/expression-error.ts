/** Errors of expressions, named by where the expression is in the pipeline file. */

import { isAbsolute, relative } from "node:path";
import type { SourcePosition } from "../../base/source-position.js";
import { UserError } from "../../base/user-error.js";

/** A JSONata expression failed while evaluating (or compiling, for `nxrun eval`). */
export class ExpressionError extends UserError {
  override readonly name = "ExpressionError";
  /** Where in the pipeline file (or `<expression>` for the command line). */
  readonly position: SourcePosition;
  /** JSONata's error code, e.g. T2001 or D1012 (timeout), when it gave one. */
  readonly jsonataCode?: string;
  readonly source: string;
  /** The message without the position prefix. */
  readonly detail: string;
  /** True when the hint is the `nxrun eval` command, which `inStep` can make name the step. */
  readonly tryable: boolean;

  constructor(
    detail: string,
    position: SourcePosition,
    source: string,
    options: { jsonataCode?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(`${position.file}:${position.line}:${position.column}: ${detail}`, {
      hint: options.hint ?? evalHint(source, position.file),
      cause: options.cause,
    });
    this.position = position;
    this.source = source;
    this.detail = detail;
    this.tryable = options.hint === undefined;
    if (options.jsonataCode !== undefined) this.jsonataCode = options.jsonataCode;
  }

  /** The same error saying more (`; $output was {...}`), its hint kept. */
  withDetail(more: string): ExpressionError {
    return new ExpressionError(`${this.detail}${more}`, this.position, this.source, {
      hint: this.tryable ? undefined : this.hint,
      jsonataCode: this.jsonataCode,
      cause: this.cause,
    });
  }

  /**
   * The same error with a hint naming the step and the field it is written in (`--step waitHealthy
   * --in repeat.until`), so the command tries it in the scope it failed in; itself when its hint is
   * another one.
   */
  inStep(stepId: string, field?: string): ExpressionError {
    if (!this.tryable) return this;
    const placed = new ExpressionError(this.detail, this.position, this.source, {
      hint: evalHint(this.source, this.position.file, stepId, field),
      jsonataCode: this.jsonataCode,
      cause: this.cause,
    });
    return placed;
  }
}

/**
 * `try it with \`nxrun eval '$inputs.settle' --pipeline deploy.yaml --step settle --in wait\``: the
 * command a person can paste, with the expression (on one line, quoted for a POSIX shell) and the
 * file as the current directory reaches it.
 */
export function evalHint(source: string, file: string, stepId?: string, field?: string): string {
  // An expression typed on the command line (`<expression>`) has no file to try it in again.
  if (file.startsWith("<")) return "check the expression";
  const oneLine = source.trim().replace(/\s*\n\s*/g, " ");
  const quoted = `'${oneLine.replaceAll("'", "'\\''")}'`;
  const shown = relative(process.cwd(), file);
  const path = shown === "" || shown.startsWith("..") || isAbsolute(shown) ? file : shown;
  const place = stepId === undefined ? "" : ` --step ${stepId}${field === undefined ? "" : ` --in ${field}`}`;
  return `check the expression; try it with \`nxrun eval ${quoted} --pipeline ${path}${place}\``;
}

/** JSONata throws plain objects `{ code, position, token, message }`; this reads one safely. */
export function readJsonataError(error: unknown): {
  code?: string;
  position?: number;
  token?: string;
  message: string;
} {
  if (typeof error === "object" && error !== null) {
    const e = error as { code?: unknown; position?: unknown; token?: unknown; message?: unknown };
    return {
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      ...(typeof e.position === "number" ? { position: e.position } : {}),
      ...(typeof e.token === "string" ? { token: e.token } : {}),
      message: typeof e.message === "string" ? e.message : String(error),
    };
  }
  return { message: String(error) };
}
