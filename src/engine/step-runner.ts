/**
 * Runs one step of the plan: `when`, then a single execution, a forEach, or a confirm gate; and
 * what a finished step means for the run (`$steps`, completion order, onError).
 */

import { isTruthy } from "../pipeline/expr/truthy.js";
import type { Step, TemporalStepCall } from "../pipeline/model.js";
import { buildExecutionSpec } from "./call-spec.js";
import { runConfirm } from "./confirm.js";
import type { StepRecord } from "./events.js";
import { runExecution } from "./execution.js";
import { stepExecutionId } from "./execution-ids.js";
import { runForEach } from "./for-each.js";
import { NOT_RUN_TYPE, NotRunError, notRunMessage } from "./read-back.js";
import { runRepeated } from "./repeat.js";
import type { ItemCompletions, RunContext } from "./run-context.js";
import { placedError } from "./start-refusal.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { applyProgress, applyResult, countsAsFailure, statusWord } from "./step-outcome.js";
import { runSubPipeline } from "./sub-pipeline.js";
import { runWait } from "./wait.js";

/** Runs `step` to its end; never throws for a step's own failure (that is recorded). */
export async function runStep(ctx: RunContext, step: Step, signal: AbortSignal): Promise<void> {
  const record = ctx.records.get(step.id);
  if (!record) throw new Error(`no record for step ${step.id}`);
  let items: ItemCompletions | undefined;
  try {
    if (signal.aborted) {
      record.status = "skipped";
    } else if (step.when !== undefined && !isTruthy(await ctx.evaluate(step.when, ctx.scope()))) {
      record.status = "skipped";
    } else if (step.call.kind === "confirm") {
      await runConfirm(ctx, step, step.call.prompt, record, signal);
    } else if (step.call.kind === "wait") {
      await runWait(ctx, step, step.call.wait, record, signal);
    } else if (step.forEach !== undefined) {
      items = await runForEach(ctx, step, record, signal);
    } else if (step.call.kind === "uses") {
      await runUses(ctx, step, step.call, record, signal);
    } else {
      await runSingle(ctx, step, record, signal);
    }
  } catch (error) {
    if (error instanceof NotRunError) {
      markNotRun(ctx, step, record, error);
    } else {
      record.status = "failed";
      // An expression's hint names this step and the field, so it is the command that tries it here.
      const placed = placedError(error, step);
      record.error = stepErrorFromThrown(placed);
      ctx.noteFatal(placed);
    }
  }
  finishStep(ctx, step, record, signal.aborted, items);
}

/**
 * A step `--from` only reads back, whose execution was not there to read (read-back.ts): `skipped`,
 * with why, and listed so the run does not claim it complete. Nothing of it is in `$steps` but that.
 */
function markNotRun(ctx: RunContext, step: Step, record: StepRecord, error: NotRunError): void {
  record.status = "skipped";
  delete record.output;
  delete record.items;
  delete record.reused;
  // It never ran in this session: no start, so no duration either.
  delete record.startedAt;
  const why = notRunMessage(ctx.readBack, ctx.sub ? undefined : step.id);
  record.error = { message: `${why}: ${error.found}`, type: NOT_RUN_TYPE };
  ctx.notRun.push({ id: `${ctx.recordPrefix}${step.id}`, found: error.found });
}

async function runSingle(ctx: RunContext, step: Step, record: StepRecord, signal: AbortSignal): Promise<void> {
  if (step.call.kind === "confirm" || step.call.kind === "wait" || step.call.kind === "uses")
    throw new Error("unreachable: not an execution step in runSingle");
  const id = stepExecutionId(ctx.runId, ctx.stepKey(step.id));
  if (step.repeat) {
    await runSingleRepeated(ctx, step, step.call, id, record, signal);
    return;
  }
  const spec = await buildExecutionSpec(ctx, step.call, step, ctx.scope(), id);
  if (spec.options.summary !== undefined) record.summary = spec.options.summary;
  if (!(await ctx.slots.acquire(signal))) {
    record.status = "skipped";
    return;
  }
  try {
    record.status = "running";
    record.startedAt = new Date().toISOString();
    record.execution = { kind: spec.kind, executionId: id };
    // A step read back only (--from) is announced once its execution is found: one not there never ran.
    const readOnly = ctx.readsBackOnly(step);
    if (!readOnly) ctx.reporter.onStepStart?.({ stepId: step.id, record });
    const result = await runExecution(ctx, spec, step.cancellation, signal, {
      readOnly,
      onStarted: (runId, reused) => {
        if (record.execution) record.execution.runId = runId;
        // Each start says anew: an execution awaited and then started again is not reused.
        if (reused) record.reused = true;
        else delete record.reused;
        if (readOnly) ctx.reporter.onStepStart?.({ stepId: step.id, record });
        else ctx.reporter.onStepUpdate?.({ stepId: step.id, record });
      },
      keepFailure: ctx.keepsFailure(step),
      follow: {
        item: false,
        onProgress: (progress) => {
          applyProgress(record, progress);
          if (record.execution)
            ctx.reporter.onProgress?.({
              stepId: step.id,
              section: step.section,
              execution: record.execution,
              progress,
            });
        },
      },
    });
    applyResult(record, result);
    if (result.remoteCancel) ctx.cancelFromOutside();
  } finally {
    ctx.slots.release();
  }
}

/** A uses step: the sub-pipeline under `<runId>.<stepId>`, its records nested under this one. */
async function runUses(
  ctx: RunContext,
  step: Step,
  call: Extract<Step["call"], { kind: "uses" }>,
  record: StepRecord,
  signal: AbortSignal,
): Promise<void> {
  record.status = "running";
  record.startedAt = new Date().toISOString();
  ctx.reporter.onStepStart?.({ stepId: step.id, record });
  const notRunBefore = ctx.notRun.length;
  const id = stepExecutionId(ctx.runId, ctx.stepKey(step.id));
  const result = await runSubPipeline(ctx, step, call, ctx.scope(), id, `${step.id}.`, signal);
  if (ctx.notRun.length > notRunBefore) throw new NotRunError(id, "a step of it never completed");
  record.status = result.status;
  if (result.output !== undefined) record.output = result.output;
  if (result.error !== undefined) record.error = result.error;
}

/** A repeated single step: the attempts run by repeat.ts, the step's record carrying the progress. */
async function runSingleRepeated(
  ctx: RunContext,
  step: Step,
  call: TemporalStepCall,
  id: string,
  record: StepRecord,
  signal: AbortSignal,
): Promise<void> {
  record.status = "running";
  record.startedAt = new Date().toISOString();
  ctx.reporter.onStepStart?.({ stepId: step.id, record });
  const update = () => ctx.reporter.onStepUpdate?.({ stepId: step.id, record });
  const result = await runRepeated(ctx, step, call, ctx.scope(), id, { record, update }, signal);
  if (result === undefined) {
    record.status = "skipped";
    return;
  }
  // Read back (--from) as it ended: done when it completed, or failed where onError: continue holds that.
  if (
    ctx.readsBackOnly(step) &&
    result.status !== "completed" &&
    !(result.status === "failed" && ctx.keepsFailure(step))
  )
    throw new NotRunError(id, result.error?.message ?? `it ended ${result.status}`);
  applyResult(record, result);
  if (result.remoteCancel) ctx.cancelFromOutside();
}

/**
 * Publishes a finished step, adds it to the completion order (a forEach with its completed items,
 * whatever the step's own end: they are work done), and applies its `onError`. `interrupted`: the
 * step's signal aborted (the run is being cancelled), so a canceled step is the run's doing;
 * otherwise canceled is the step's own outcome (its handler cancelled it) and counts as a failure.
 */
export function finishStep(
  ctx: RunContext,
  step: Step,
  record: StepRecord,
  interrupted = true,
  items?: ItemCompletions,
): void {
  if (record.startedAt !== undefined) record.closedAt = new Date().toISOString();
  ctx.publish(record, step.id);
  if (step.section === "steps") {
    if (items !== undefined) {
      if (items.order.length > 0) ctx.completionOrder.push({ ctx, stepId: step.id, items });
    } else if (record.status === "completed") {
      ctx.completionOrder.push({ ctx, stepId: step.id });
    }
  }
  ctx.reporter.onStepEnd?.({ stepId: step.id, record });
  if (countsAsFailure(record.status, interrupted) && step.onError === "fail") {
    // A step nxrun terminated on a second Ctrl-C did not fail the run: the interrupt ended it, and
    // the run's error says so (RunContext.cancelReason), not "step 'x' terminated".
    const byInterrupt = record.status === "terminated" && ctx.inFlight.terminating;
    if (ctx.failure === undefined && !byInterrupt) {
      ctx.failure = {
        message: `step '${step.id}' ${statusWord(record.status)}: ${record.error?.message ?? "no detail"}`,
      };
      if (record.error) ctx.failure.cause = record.error;
    }
    if (step.section === "steps") ctx.cancel("failure");
  }
}
