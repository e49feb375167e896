/**
 * nxrun as a library: load and check a pipeline, then run it on Temporal with your own reporter.
 *
 *   const loaded = await loadPipeline("deploy.yaml");
 *   if (!loaded.ok) throw new Error(formatDiagnostics(loaded.diagnostics));
 *   const client = await connect({ address: "localhost:7233", namespace: "default" });
 *   const record = await runPipeline(loaded.pipeline, { client, inputs: {}, reporter: { onStepEnd: ... } });
 *
 * README.md, "Library", has the whole example (run by test/e2e/examples/library.test.ts).
 */
import type { RunRecord } from "./engine/events.js";
import { newRunId } from "./engine/execution-ids.js";
import type { Diagnostic } from "./pipeline/diagnostic.js";
import { loadPipeline } from "./pipeline/load.js";
import type { Pipeline } from "./pipeline/model.js";
import { createJournalReporter } from "./report/json.js";
import { redact, redactEvents } from "./report/redact.js";
import { idLengthProblems } from "./runs/id-lengths.js";
import { type RecordedRunOptions, runRecorded } from "./runs/recorded-run.js";

export type { SourcePosition } from "./base/source-position.js";
export { sanitizeTerminalLines, sanitizeTerminalText } from "./base/terminal-text.js";
export { isUserError, UserError } from "./base/user-error.js";
export type * from "./engine/events.js";
export type { ExecutionResult } from "./engine/execution.js";
export { newRunId } from "./engine/execution-ids.js";
export type { Evaluate, RunOptions } from "./engine/run-options.js";
export type { Diagnostic } from "./pipeline/diagnostic.js";
export { formatDiagnostics } from "./pipeline/format-diagnostics.js";
export { type InputSources, type ResolveResult, resolveInputs } from "./pipeline/inputs/resolve.js";
export { type LoadResult, loadPipeline } from "./pipeline/load.js";
export type * from "./pipeline/model.js";
export { redactEvents } from "./report/redact.js";
export type { RecordedRunOptions } from "./runs/recorded-run.js";
export { connect } from "./temporal/connect.js";
export type { CodecSettings, ConnectionOptions, TemporalClient } from "./temporal/types.js";
export type { CaseResult } from "./testing/run-case.js";
export { runTests, type TestRun } from "./testing/run-tests.js";

/** Checks pipeline files as `nxrun check` does (without --preflight): every problem, each placed in its file. */
export async function checkPipeline(...paths: string[]): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const loaded = await loadPipeline(path);
    diagnostics.push(...(loaded.ok ? loaded.warnings : loaded.diagnostics));
    if (loaded.ok) diagnostics.push(...idLengthProblems(loaded.pipeline, newRunId(loaded.pipeline.name), "generated"));
  }
  return { ok: diagnostics.every((d) => d.severity !== "error"), diagnostics };
}

/**
 * Runs a pipeline on Temporal as `nxrun run` does and resolves to the run's record: `inputs` are
 * resolved with their defaults and validated (a UserError for a missing or invalid one), and the run
 * keeps its manifest on Temporal (unless `manifest: false`) so `nxrun status`, `runs`, `watch` and
 * `--resume` know it. The engine alone (inputs used as given, no manifest) is what `manifest: false` runs.
 */
export function runPipeline(pipeline: Pipeline, options: RecordedRunOptions): Promise<RunRecord> {
  return runRecorded(pipeline, options, {
    maskOutputs: (outputs, secrets) => redact(outputs, secrets),
    journalReporter: (journal, secrets) => redactEvents(createJournalReporter({ stream: journal }), secrets),
  });
}
