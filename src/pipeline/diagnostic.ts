/** A problem found in a pipeline file or its inputs, for people (and `--format json` for tools). */
export interface Diagnostic {
  /** Stable code per kind of problem, `NX1xx` (see docs/language.md). */
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. a missing file). */
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}
