/** Diagnostics as GitHub Actions annotations (`nxrun check --format github`). */
import { annotation, annotationPath } from "../base/github-workflow-commands.js";
import type { Diagnostic } from "./diagnostic.js";

/**
 * One workflow command per diagnostic: file, line, column and end position, the code as the title,
 * the message (and its hint on a second line) as the text. A diagnostic with no place in its file
 * (line 0: a file that cannot be read) is annotated on the file alone.
 */
export function diagnosticAnnotations(
  diags: readonly Diagnostic[],
  env: Readonly<Record<string, string | undefined>>,
  cwd?: string,
): string[] {
  return diags.map((d) => {
    const placed = d.line > 0;
    return annotation(d.severity, d.hint ? `${d.message}\nhint: ${d.hint}` : d.message, {
      file: annotationPath(d.file, env, cwd),
      ...(placed ? { line: d.line, col: d.column, endLine: d.endLine, endColumn: d.endColumn } : {}),
      title: d.code,
    });
  });
}
