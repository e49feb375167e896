/** Errors of expressions, named by where the expression is in the pipeline file. */

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

  constructor(
    detail: string,
    position: SourcePosition,
    source: string,
    options: { jsonataCode?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(`${position.file}:${position.line}:${position.column}: ${detail}`, {
      hint:
        options.hint ?? "check the expression; try it with `nxrun eval '<expression>' --pipeline <file> --step <id>`",
      cause: options.cause,
    });
    this.position = position;
    this.source = source;
    this.detail = detail;
    if (options.jsonataCode !== undefined) this.jsonataCode = options.jsonataCode;
  }
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
