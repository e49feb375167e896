/**
 * A run as the library runs it (`runPipeline` of src/index.ts): inputs resolved and validated with
 * their defaults as the CLI resolves them, the run's manifest kept on Temporal (unless `manifest:
 * false`) so `nxrun status`, `runs`, `watch` and `--resume` know the run, then the engine's run, then
 * the session closed with how it ended. The CLI does the same steps itself (src/cli/run.ts), around
 * its terminal, flags and signals.
 */
import { ExitCode } from "../base/exit-codes.js";
import { maskSecrets } from "../base/mask-secrets.js";
import { UserError } from "../base/user-error.js";
import type { Reporter, RunRecord } from "../engine/events.js";
import { newRunId } from "../engine/execution-ids.js";
import type { RunOptions } from "../engine/run-options.js";
import { runPipeline as runEngine } from "../engine/run-pipeline.js";
import { beforeRun } from "../pipeline/before-run-check.js";
import { formatDiagnostics } from "../pipeline/format-diagnostics.js";
import { resolveInputs } from "../pipeline/inputs/resolve.js";
import { payloadProblems } from "../pipeline/known-payloads.js";
import type { Pipeline } from "../pipeline/model.js";
import { idLengthProblems } from "./id-lengths.js";
import type { JournalWriter } from "./manifest/journal.js";
import { prepareSession } from "./run-session.js";

export interface RecordedRunOptions
  extends Omit<
    RunOptions,
    "inputs" | "vars" | "keepVars" | "attempts" | "resume" | "terminateSignal" | "confirmCaller" | "earlierUndo"
  > {
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

/** What the library hands in of the report layer (src/index.ts), which this layer may not import. */
export interface RecordedRunReports {
  /** Masks the run's secret values in its outputs before they are recorded (src/report/redact.ts). */
  maskOutputs(outputs: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown>;
  /** The reporter that writes the session's journal, its events masked (src/report/json.ts, redact.ts). */
  journalReporter(journal: JournalWriter, secrets: string[]): Reporter;
}

/** Runs `pipeline` as `nxrun run` would, and resolves to the run's record. */
export async function runRecorded(
  pipeline: Pipeline,
  options: RecordedRunOptions,
  reports: RecordedRunReports,
): Promise<RunRecord> {
  const held = heldRejections(options.reporter);
  const record = await runHeld(pipeline, { ...options, reporter: held.reporter }, reports);
  await held.settled();
  return record;
}

async function runHeld(
  pipeline: Pipeline,
  options: RecordedRunOptions,
  reports: RecordedRunReports,
): Promise<RunRecord> {
  const { manifest = true, resume = false, inputs: given = {}, ...engine } = options;
  if (resume && options.runId === undefined) throw new UserError("resume: true needs the runId of the run to resume");
  const resolved = await resolveInputs(pipeline, { values: given, allowMissing: resume });
  if (!resolved.ok) throw new UserError(formatDiagnostics(resolved.diagnostics, { color: false }));
  const runId = options.runId ?? newRunId(pipeline.name);
  const tooLong = idLengthProblems(pipeline, runId, options.runId === undefined ? "generated" : "flag");
  if (tooLong.length > 0) throw new UserError(formatDiagnostics(tooLong, { color: false }));
  const secrets = [
    ...Object.values(options.secrets ?? {}),
    ...[...(options.usedSecrets?.values() ?? [])].flatMap((used) => Object.values(used)),
  ];
  // What the inputs decide, checked before anything starts, as nxrun run checks it: a problem is a
  // UserError with every problem placed in its file, and nothing is started or recorded.
  const before = await beforeRun(pipeline, {
    runId,
    inputs: resolved.values,
    inputsFinal: resolved.missing.length === 0,
    secrets: options.secrets ?? {},
    usedSecrets: options.usedSecrets ?? new Map(),
    // A program answers a confirm step through its reporter's onConfirm, or approves all with yes.
    confirmAnswered: options.yes === true || options.reporter?.onConfirm !== undefined,
    confirmCaller: "library",
  });
  if (before.problems.length > 0)
    throw new UserError(maskSecrets(formatDiagnostics(before.problems, { color: false }), secrets));
  // The inputs known now, held to the server's payload limit (with a codec, the start holds them).
  if (!options.client.encodesPayloads) {
    const manifestKept = manifest && !resume ? { inputs: resolved.values, file: pipeline.file } : undefined;
    const oversize = payloadProblems(before.payloads, await options.client.serverLimits(), manifestKept);
    if (oversize.length > 0) throw new UserError(formatDiagnostics(oversize, { color: false }));
  }
  if (!manifest) return runEngine(pipeline, { ...engine, runId, inputs: resolved.values, resume });

  const prepared = await prepareSession(options.client, pipeline, {
    runId,
    resume,
    inputs: resolved.values,
    given: resolved.given,
    missing: resolved.missing,
    ...(options.compensate === false ? { compensate: false } : {}),
    concurrency: options.concurrency,
    from: [],
    allowChanged: false,
    takeover: false,
    // A program wants the run's record: a completed run is walked again, which reads every result back.
    walkComplete: true,
    // Its events kept as nxrun run keeps them, so status and watch show the run as it went.
    journal: true,
  });
  if ("complete" in prepared) throw new Error("bug: prepareSession answered complete although asked to walk");
  const user = options.reporter ?? {};
  const kept = [prepared.recorder, ...(prepared.journal ? [reports.journalReporter(prepared.journal, secrets)] : [])];
  const reporter = alongside(user, kept);
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
      beforeCompensation: prepared.beforeCompensation,
      earlierUndo: prepared.earlierUndo,
      reporter,
    });
    return record;
  } finally {
    await prepared.recorder.close?.();
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
    const outputs = record?.outputs === undefined ? undefined : reports.maskOutputs(record.outputs, secrets);
    await prepared.session.close({ status, exitCode }, outputs).catch(() => {
      // The run's own outcome matters more than its record; status reads an unclosed session as stopped.
    });
  }
}

/**
 * The program's reporter with its async hooks' promises kept, their rejections not left unhandled
 * (which ends the program that embeds nxrun): once the run has ended they are awaited, and the first
 * rejection is thrown. Hooks are looked up as the engine calls them, so a class's methods count too.
 */
function heldRejections(user: Reporter | undefined): { reporter: Reporter | undefined; settled(): Promise<void> } {
  if (user === undefined) return { reporter: undefined, settled: async () => undefined };
  let first: { error: unknown } | undefined;
  const pending = new Set<Promise<unknown>>();
  const reporter = new Proxy(user, {
    get(target, key, receiver) {
      const hook: unknown = Reflect.get(target, key, receiver);
      if (typeof hook !== "function" || key === "onConfirm") return hook;
      return (...args: unknown[]) => {
        const result: unknown = hook.apply(target, args);
        if (result instanceof Promise) {
          const kept = result.catch((error: unknown) => {
            first ??= { error };
          });
          pending.add(kept);
          void kept.finally(() => pending.delete(kept));
        }
        return result;
      };
    },
  });
  return {
    reporter,
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
      if (first) throw first.error;
    },
  };
}

/**
 * The program's reporter with the session's own (item counts, the journal) told each event too, the
 * program's answer to a confirm kept: theirs are told first, so what they record precedes what the
 * program does on the event.
 */
function alongside(user: Reporter, kept: readonly Reporter[]): Reporter {
  const hooks = new Set<keyof Reporter>([...(Object.keys(user) as Array<keyof Reporter>)]);
  for (const reporter of kept) for (const key of Object.keys(reporter) as Array<keyof Reporter>) hooks.add(key);
  hooks.delete("close");
  hooks.delete("onConfirm");
  const out: Reporter = {};
  for (const key of hooks) {
    (out as Record<string, unknown>)[key] = (event: unknown) => {
      for (const reporter of kept) (reporter[key] as ((e: unknown) => unknown) | undefined)?.call(reporter, event);
      return (user[key] as ((e: unknown) => unknown) | undefined)?.call(user, event);
    };
  }
  if (user.onConfirm) out.onConfirm = user.onConfirm.bind(user);
  return out;
}
