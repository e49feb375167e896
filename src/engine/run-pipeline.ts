/**
 * One run of a pipeline: vars, the `steps` DAG under the run's cancellation (signal, timeout,
 * fail-fast, remote cancel), outputs, compensation, `finally`, and the run record.
 */
import { setMaxListeners } from "node:events";
import type { Pipeline } from "../pipeline/model.js";
import { realClock } from "./clock.js";
import { runCompensations } from "./compensation.js";
import { earlierAttempts, earlierWork, finishEarlierUndo } from "./earlier-undo.js";
import type { Reporter, RunRecord, RunStartEvent, StepError } from "./events.js";
import { newRunId } from "./execution-ids.js";
import { type NotRun, type ReadBack, upstreamRefusal } from "./read-back.js";
import { RunContext, runStatusOf } from "./run-context.js";
import { runError } from "./run-error.js";
import { DEFAULT_DESCRIBE_RATE, type Evaluate, type RunOptions } from "./run-options.js";
import { allOutputs, producedOutputs } from "./run-outputs.js";
import { runSection } from "./scheduler.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { computeVars, secretVars } from "./vars.js";

export type { RunOptions } from "./run-options.js";

const TERMINATE_REASON = "nxrun: interrupted twice (second Ctrl-C); terminating what the run was waiting on";

/**
 * Runs `pipeline` on Temporal and resolves to the run's record (also given to `onRunEnd`).
 * Rejects with a UserError (exit code 3) when the server could not be used (unknown endpoint,
 * feature disabled...), after compensation and `finally` have had their chance.
 */
export async function runPipeline(pipeline: Pipeline, options: RunOptions): Promise<RunRecord> {
  const clock = options.clock ?? realClock;
  const now = options.now ?? (() => new Date(clock.now()));
  const startedAt = now();
  const runId = options.runId ?? newRunId(pipeline.name, startedAt);
  const evaluate: Evaluate = options.evaluate ?? (await import("../pipeline/expr/evaluate.js")).evaluate;
  const reporter: Reporter = options.reporter ?? {};
  const ctx = new RunContext(
    pipeline,
    options.client,
    runId,
    startedAt.toISOString(),
    options.inputs,
    options.secrets ?? {},
    reporter,
    evaluate,
    options.concurrency ?? pipeline.concurrency,
    options.yes === true,
    options.attempts,
    options.describeRate ?? DEFAULT_DESCRIBE_RATE,
  );
  if (options.usedSecrets) ctx.usedSecrets = options.usedSecrets;
  ctx.readBack = options.readBack;
  ctx.resumed = options.resume === true;
  ctx.clock = clock;
  ctx.startHeaders = options.startHeaders;
  if (options.confirmCaller !== undefined) ctx.confirmCaller = options.confirmCaller;
  ctx.runSection = runSection;
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    ctx.addRecord({ id: step.id, section: step.section, kind: step.call.kind, status: "pending" });
  }
  const record: RunRecord = {
    runId,
    pipeline: pipeline.name,
    file: pipeline.file,
    address: options.client.address,
    namespace: options.client.namespace,
    status: "running",
    startedAt: ctx.startedAt,
    inputs: options.inputs,
    steps: ctx.recordList,
  };
  reporter.onRunStart?.(runStartEvent(pipeline, record, options.resume === true));
  const stopWatchingConnection = options.client.onConnectionChange((change) =>
    reporter.onConnection?.({
      state: change.state,
      address: change.address,
      since: change.since.toISOString(),
      ...(change.message === undefined ? {} : { message: change.message }),
    }),
  );

  // A second Ctrl-C: terminate what is awaited, skip compensation and finally, end at once.
  const stopCleanup = new AbortController();
  setMaxListeners(0, stopCleanup.signal);
  let terminating: Promise<void> | undefined;
  const onTerminate = () => {
    if (terminating) return;
    reporter.onTerminating?.({ executions: ctx.inFlight.refs() });
    terminating = ctx.inFlight.terminateAll(TERMINATE_REASON);
    ctx.cancel("signal");
    stopCleanup.abort();
  };
  const onSignal = () => ctx.cancel("signal");
  options.signal?.addEventListener("abort", onSignal, { once: true });
  options.terminateSignal?.addEventListener("abort", onTerminate, { once: true });
  if (options.signal?.aborted) onSignal();
  if (options.terminateSignal?.aborted) onTerminate();
  const stopTimer =
    pipeline.timeout === undefined ? undefined : clock.setTimer(() => ctx.cancel("timeout"), pipeline.timeout);

  try {
    try {
      const restored = options.vars ?? {};
      ctx.vars = await computeVars(pipeline, ctx.scope(), evaluate, restored);
      const secret = secretVars(pipeline);
      const kept = Object.fromEntries(Object.entries(ctx.vars).filter(([name]) => !secret.has(name)));
      if (options.keepVars && Object.keys(kept).some((name) => !Object.hasOwn(restored, name))) {
        await options.keepVars(kept);
      }
    } catch (error) {
      ctx.failure = { message: `vars: ${stepErrorFromThrown(error).message}` };
      ctx.noteFatal(error);
      ctx.cancel("failure");
    }
    // --from: what the rerun set reads is read back first; one not there refuses the run (nothing started).
    const upstream = pipeline.steps.filter((step) => options.readBack?.upstream.has(step.id));
    if (upstream.length > 0) await runSection(ctx, upstream, ctx.cancelSignal);
    const missing = ctx.notRun.length > 0 ? ownSteps(ctx.notRun) : undefined;
    // A resume finishes an earlier session's cut-short undo next, before any step starts.
    const earlier = options.earlierUndo;
    if (missing === undefined && options.compensate !== false && earlier !== undefined && earlier.undos.length > 0)
      await finishEarlierUndo(ctx, earlier, stopCleanup.signal, options.beforeCompensation);
    if (missing === undefined)
      await runSection(
        ctx,
        pipeline.steps.filter((step) => !upstream.includes(step)),
        ctx.cancelSignal,
      );
    stopTimer?.();

    let status = runStatusOf(ctx);
    // Steps --from left alone that never completed: the run is not complete, yet nothing failed to undo.
    const incomplete = missing ?? (status === "completed" && ctx.notRun.length > 0 ? ownSteps(ctx.notRun) : undefined);
    if (incomplete !== undefined && ctx.failure === undefined) {
      ctx.failure = notCompleteError(pipeline, runId, incomplete, missing !== undefined, options.readBack);
      status = "failed";
    }
    if (missing !== undefined) {
      // Refused before anything started: no compensation, no finally, the run ends here.
      record.status = "failed";
      record.closedAt = now().toISOString();
      record.error = ctx.failure;
      reporter.onRunEnd?.(record);
      throw upstreamRefusal(pipeline, runId, options.readBack?.from ?? [], missing);
    }
    if (status === "completed") {
      try {
        record.outputs = await allOutputs(ctx, pipeline);
      } catch (error) {
        ctx.failure = { message: `outputs: ${stepErrorFromThrown(error).message}` };
        status = "failed";
      }
    }
    if (status !== "completed" && incomplete === undefined && options.compensate !== false) {
      // What earlier attempts of the run's steps did and no rollback undid is undone with this session's work.
      const before = options.beforeCompensation;
      const undos = earlierAttempts(pipeline, options.attempts ?? new Map());
      // Read under the attempts they read then: the earlier session's, as its manifest has them.
      const attempts = options.earlierUndo?.attempts ?? options.attempts ?? new Map();
      const earlierDone = await earlierWork(ctx, { undos, attempts }, stopCleanup.signal, before);
      await runCompensations(ctx, stopCleanup.signal, before, earlierDone);
    }
    ctx.runStatus = status;
    await runSection(ctx, pipeline.finally, stopCleanup.signal);

    record.status = runStatusOf(ctx, status);
    if (record.status !== "completed") {
      // After compensation and finally: an output built on a step the rollback undid is not one the run produced.
      const produced = await producedOutputs(ctx, pipeline);
      if (produced === undefined) delete record.outputs;
      else record.outputs = produced;
    }
    record.closedAt = now().toISOString();
    // What the terminate requests did not reach is part of the run's error.
    if (terminating) await terminating;
    const error = runError(ctx, record.status);
    if (error) record.error = error;
    reporter.onRunEnd?.(record);
  } finally {
    stopWatchingConnection();
    stopTimer?.();
    options.signal?.removeEventListener("abort", onSignal);
    options.terminateSignal?.removeEventListener("abort", onTerminate);
  }
  if (ctx.fatal !== undefined) throw ctx.fatal;
  return record;
}

/** The run's error when --from left steps not run: upstream ones (the run is refused) or outside ones. */
function notCompleteError(
  pipeline: Pipeline,
  runId: string,
  steps: readonly NotRun[],
  upstream: boolean,
  readBack: ReadBack | undefined,
): StepError {
  const from = readBack?.from ?? [];
  if (upstream) {
    const { message } = upstreamRefusal(pipeline, runId, from, steps);
    return { message, type: "FromNeedsUpstream" };
  }
  const named = steps.map((s) => `'${s.id}'`).join(", ");
  const them = steps.length === 1 ? "it" : "them";
  return {
    message: `the run is not complete: ${named} did not run (outside --from ${from.join(", ")}); run ${them} with nxrun run ${pipeline.file} --resume ${runId}`,
    type: "RunNotComplete",
  };
}

/** The run's own steps among those not run: a step of a used pipeline not run makes its uses step not run too. */
function ownSteps(notRun: readonly NotRun[]): NotRun[] {
  return notRun.filter((s) => !s.id.includes(".") && !s.id.includes("["));
}

function runStartEvent(pipeline: Pipeline, record: RunRecord, resumed: boolean): RunStartEvent {
  return {
    runId: record.runId,
    pipeline: record.pipeline,
    file: record.file,
    address: record.address,
    namespace: record.namespace,
    resumed,
    plan: [...pipeline.steps, ...pipeline.finally].map((step) => ({
      id: step.id,
      section: step.section,
      kind: step.call.kind,
      dependsOn: [...step.dependsOn],
      forEach: step.forEach !== undefined,
    })),
  };
}
