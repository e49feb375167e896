/**
 * After a failed or cancelled run: each completed step's `compensate` call, one at a time, in
 * reverse completion order (undo the last thing done first). Compensations are not cancelled by the
 * run (they are the cleanup); a second Ctrl-C terminates the one in flight and stops the rest.
 */
import { NEVER_ABORTED } from "./abort.js";
import { buildExecutionSpec } from "./call-spec.js";
import type { StepRecord } from "./events.js";
import { runExecution } from "./execution.js";
import { compensationExecutionId } from "./execution-ids.js";
import type { RunContext } from "./run-context.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { applyResult } from "./step-outcome.js";

/** Record ID of a step's compensation in the run record and events. */
export function compensationRecordId(stepId: string): string {
  return `${stepId}.compensate`;
}

export async function runCompensations(ctx: RunContext, stop: AbortSignal): Promise<void> {
  // Steps of sub-pipelines (uses:) are in the same order: their undo joins the run's.
  for (const { ctx: owner, stepId } of [...ctx.completionOrder].reverse()) {
    if (stop.aborted) return;
    const compensate = owner.stepsById.get(stepId)?.compensate;
    if (!compensate) continue;
    const recordId = compensationRecordId(`${owner.recordPrefix}${stepId}`);
    const record: StepRecord = {
      id: recordId,
      section: "compensate",
      kind: compensate.call.kind,
      status: "pending",
      ...(owner.parentRecordId === undefined ? {} : { parent: owner.parentRecordId }),
    };
    ctx.addRecord(record);
    const id = compensationExecutionId(owner.runId, owner.stepKey(stepId));
    let holdsSlot = false;
    try {
      const spec = await buildExecutionSpec(owner, compensate.call, compensate, owner.scope(), id);
      holdsSlot = await ctx.slots.acquire(stop);
      if (!holdsSlot) {
        record.status = "skipped";
      } else {
        record.status = "running";
        record.startedAt = new Date().toISOString();
        record.execution = { kind: spec.kind, executionId: id };
        if (spec.options.summary !== undefined) record.summary = spec.options.summary;
        ctx.reporter.onStepStart?.({ stepId: recordId, record });
        const result = await runExecution(ctx, spec, "waitCompleted", NEVER_ABORTED, {
          onStarted: (runId, reused) => {
            if (record.execution) record.execution.runId = runId;
            if (reused) record.reused = true;
          },
        });
        applyResult(record, result);
      }
    } catch (error) {
      record.status = "failed";
      record.error = stepErrorFromThrown(error);
      ctx.noteFatal(error);
    } finally {
      if (holdsSlot) ctx.slots.release();
    }
    if (record.startedAt !== undefined) record.closedAt = new Date().toISOString();
    ctx.reporter.onStepEnd?.({ stepId: recordId, record });
  }
}
