/** Collects diagnostics while a file is checked, so every mistake is reported, not only the first. */

import type { SourcePosition } from "../base/source-position.js";
import type { Diagnostic } from "./diagnostic.js";

export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  /** Adds an error at a position. */
  error(code: string, message: string, at: SourcePosition, hint?: string, end?: SourcePosition): void {
    this.add("error", code, message, at, hint, end);
  }

  /** Adds a warning at a position (reported, but the file still loads). */
  warning(code: string, message: string, at: SourcePosition, hint?: string, end?: SourcePosition): void {
    this.add("warning", code, message, at, hint, end);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  private add(
    severity: Diagnostic["severity"],
    code: string,
    message: string,
    at: SourcePosition,
    hint: string | undefined,
    end: SourcePosition | undefined,
  ): void {
    const diagnostic: Diagnostic = {
      code,
      severity,
      message,
      file: at.file,
      line: at.line,
      column: at.column,
      hint,
      ...(end !== undefined && (end.line !== at.line || end.column !== at.column)
        ? { endLine: end.line, endColumn: end.column }
        : {}),
    };
    this.items.push(diagnostic);
  }
}

/** Orders diagnostics by file, line and column, keeping one per code and place. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
