/**
 * A run as the library runs it (`runPipeline` of src/index.ts): inputs resolved and validated with
 * their defaults as the CLI resolves them, the run's manifest kept on Temporal (unless `manifest:
 * false`) so `nxrun status`, `runs`, `watch` and `--resume` know the run, then the engine's run, then
 * the session closed with how it ended. The CLI does the same steps itself (src/cli/run.ts), around
 * its terminal, flags and signals.
 */
import { ExitCode } from "../base/exit-codes.js";
import { UserError } from "../base/user-error.js";
import type { Reporter, RunRecord } from "../engine/events.js";
import { newRunId } from "../engine/execution-ids.js";
import type { RunOptions } from "../engine/run-options.js";
import { runPipeline as runEngine } from "../engine/run-pipeline.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { resolveInputs } from "../pipeline/inputs/resolve.js";
import type { Pipeline } from "../pipeline/model.js";
import { prepareSession } from "./run-session.js";

export interface RecordedRunOptions
  extends Omit<RunOptions, "inputs" | "vars" | "keepVars" | "attempts" | "resume" | "terminateSignal"> {
  /**
   * Input values by name. Each input not given takes its default; every value is checked against its
   * input's schema, and a required input with no value is refused (a UserError naming each), as
   * `nxrun run` does. A resume (`resume: true`) takes the run's own inputs from its manifest.
   */
  inputs?: Readonly<Record<string, unknown>>;
  /** Keep the run's manifest on Temporal (default true); false runs without one, as before. */
  manifest?: boolean;
  /** Resume the run `runId` (it must exist): what completed is read back, what is left is started. */
  resume?: boolean;
}

/** Masks the run's secret values in its outputs before they are recorded (src/report/redact.ts). */
export type MaskOutputs = (outputs: Record<string, unknown>, secrets: readonly string[]) => Record<string, unknown>;

/** Runs `pipeline` as `nxrun run` would, and resolves to the run's record. */
export async function runRecorded(
  pipeline: Pipeline,
  options: RecordedRunOptions,
  maskOutputs: MaskOutputs,
): Promise<RunRecord> {
  const { manifest = true, resume = false, inputs: given = {}, ...engine } = options;
  if (resume && options.runId === undefined) throw new UserError("resume: true needs the runId of the run to resume");
  const resolved = await resolveInputs(pipeline, { values: given, allowMissing: resume });
  if (!resolved.ok) throw new UserError(formatDiagnostics(resolved.diagnostics, { color: false }));
  if (!manifest) return runEngine(pipeline, { ...engine, inputs: resolved.values, resume });

  const runId = options.runId ?? newRunId(pipeline.name);
  const prepared = await prepareSession(options.client, pipeline, {
    runId,
    resume,
    inputs: resolved.values,
    given: resolved.given,
    missing: resolved.missing,
    ...(options.compensate === false ? { compensate: false } : {}),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    from: [],
    allowChanged: false,
    takeover: false,
    // A program wants the run's record: a completed run is walked again, which reads every result back.
    walkComplete: true,
  });
  if ("complete" in prepared) throw new Error("bug: prepareSession answered complete although asked to walk");
  const recorder = prepared.recorder;
  const user = options.reporter ?? {};
  const reporter: Reporter = {
    ...user,
    onStepStart(event) {
      recorder.onStepStart?.(event);
      user.onStepStart?.(event);
    },
  };
  let record: RunRecord | undefined;
  try {
    record = await runEngine(pipeline, {
      ...engine,
      runId,
      inputs: prepared.inputs,
      vars: prepared.vars,
      keepVars: prepared.keepVars,
      attempts: prepared.attempts,
      compensate: prepared.compensate,
      concurrency: prepared.concurrency,
      resume: prepared.resumed,
      reporter,
    });
    return record;
  } finally {
    await recorder.close?.();
    const status =
      record === undefined || record.status === "running" || record.status === "stopped" ? "failed" : record.status;
    const exitCode =
      record === undefined
        ? ExitCode.bug
        : status === "completed"
          ? ExitCode.ok
          : status === "canceled" && options.signal?.aborted
            ? ExitCode.interrupted
            : ExitCode.runFailed;
    // Masked here, as the CLI masks them: the record is read by other terminals.
    const secrets = [
      ...Object.values(options.secrets ?? {}),
      ...[...(options.usedSecrets?.values() ?? [])].flatMap((used) => Object.values(used)),
    ];
    const outputs = record?.outputs === undefined ? undefined : maskOutputs(record.outputs, secrets);
    await prepared.session.close({ status, exitCode }, outputs).catch(() => {
      // The run's own outcome matters more than its record; status reads an unclosed session as stopped.
    });
  }
}
