/**
 * nxrun as a library: load and check a pipeline, then run it on Temporal with your own reporter.
 *
 *   const loaded = await loadPipeline("deploy.yaml");
 *   if (!loaded.ok) throw new Error(formatDiagnostics(loaded.diagnostics));
 *   const client = await connect({ address: "localhost:7233", namespace: "default" });
 *   const record = await runPipeline(loaded.pipeline, { client, inputs: {}, reporter: { onStepEnd: ... } });
 */
import type { Diagnostic } from "./pipeline/diagnostic.js";
import { loadPipeline } from "./pipeline/load.js";

export type { SourcePosition } from "./base/source-position.js";
export { sanitizeTerminalLines, sanitizeTerminalText } from "./base/terminal-text.js";
export { isUserError, UserError } from "./base/user-error.js";
export type * from "./engine/events.js";
export type { ExecutionResult } from "./engine/execution.js";
export { newRunId } from "./engine/execution-ids.js";
export type { Evaluate, RunOptions } from "./engine/run-options.js";
export { runPipeline } from "./engine/run-pipeline.js";
export type { Diagnostic } from "./pipeline/diagnostic.js";
export { formatDiagnostics } from "./pipeline/format-diagnostics.js";
export { type LoadResult, loadPipeline } from "./pipeline/load.js";
export type * from "./pipeline/model.js";
export { redactEvents } from "./report/redact.js";
export { connect } from "./temporal/connect.js";
export type { ConnectionOptions, TemporalClient } from "./temporal/types.js";

/** Checks pipeline files as `nxrun check` does (without --preflight): every problem, each placed in its file. */
export async function checkPipeline(...paths: string[]): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const loaded = await loadPipeline(path);
    diagnostics.push(...(loaded.ok ? loaded.warnings : loaded.diagnostics));
  }
  return { ok: diagnostics.every((d) => d.severity !== "error"), diagnostics };
}
