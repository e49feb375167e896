/**
 * forEach: one execution per item, at most `concurrency` items in flight for the step (and the
 * run-wide limit on top). A fixed pool of workers pulls the next index, so ten thousand items cost
 * ten thousand small records, not ten thousand pending promises or closures.
 */
import { setMaxListeners } from "node:events";
import { placedInStep } from "../pipeline/expression-field.js";
import type { Step } from "../pipeline/model.js";
import { forEachItemsOf } from "../pipeline/value-forms.js";
import { buildExecutionSpec, scopeFree, withId } from "./call-spec.js";
import type { ItemRecord, StepError, StepRecord } from "./events.js";
import type { ExecutionSpec } from "./execution.js";
import { type ExecutionResult, runExecution } from "./execution.js";
import { itemExecutionId } from "./execution-ids.js";
import { NotRunError } from "./read-back.js";
import { runRepeated } from "./repeat.js";
import type { ItemCompletions, RunContext } from "./run-context.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { applyProgress, applyResult, countsAsFailure } from "./step-outcome.js";
import { runSubPipeline } from "./sub-pipeline.js";
import { allowedFailures } from "./tolerated-failures.js";

/**
 * Runs the step's items; gives the items that completed, in the order they did, with the step's
 * list (what a rollback undoes, item by item: compensation.ts). A uses step's items give none: the
 * steps of their sub-pipelines join the run's completion order themselves.
 */
export async function runForEach(
  ctx: RunContext,
  step: Step,
  record: StepRecord,
  signal: AbortSignal,
): Promise<ItemCompletions> {
  const call = step.call;
  if (call.kind === "confirm" || call.kind === "wait" || step.forEach === undefined)
    throw new Error("unreachable: not a forEach call step");
  const values = forEachItemsOf(step.forEach, await ctx.evaluate(step.forEach, ctx.scope()));
  const total = values.length;
  const items: ItemRecord[] = new Array(total);
  for (let index = 0; index < total; index++) items[index] = { index, status: "pending" };
  record.items = items;
  record.status = "running";
  record.startedAt = new Date().toISOString();
  ctx.reporter.onStepStart?.({ stepId: step.id, record });

  const allowed = allowedFailures(step.toleratedFailures, total);
  // Aborted when the step is doomed under onError: continue, to stop its own in-flight items.
  const stepController = new AbortController();
  const itemSignal = AbortSignal.any([signal, stepController.signal]);
  // One listener per item in flight (bounded by concurrency): by design, not a leak.
  setMaxListeners(0, itemSignal);
  let failures = 0;
  // The items counted as failed (a failure status, or canceled by their handler).
  const failed = new Set<ItemRecord>();
  let firstFailure: StepError | undefined;
  let doomed = false;
  let next = 0;
  let reusedItems = 0;
  const completed: number[] = [];
  // Read back only (--from, read-back.ts): a failed item is read as it ended, one not there stops the step.
  const readOnly = ctx.readsBackOnly(step);
  let notRun: NotRunError | undefined;

  const countFailure = (item: ItemRecord) => {
    failures++;
    failed.add(item);
    if (firstFailure === undefined && item.error)
      firstFailure = { ...item.error, message: `item ${item.index}: ${item.error.message}` };
    if (failures > allowed && !doomed) {
      doomed = true;
      // onError: fail cancels the whole run (finishStep does it once the step ends); stop our own
      // items now either way, so a doomed step does not keep starting work.
      stepController.abort();
    }
  };

  // The one item lifecycle: marked running, run by `body` (which announces the start when it
  // really starts), then its outcome kept, closed, reported and counted. `body` gives undefined
  // when the run was cancelled before the item could start: it stays pending (skipped at the end).
  const runLifecycle = async (
    item: ItemRecord,
    body: (announce: () => void) => Promise<ExecutionResult | undefined>,
  ): Promise<void> => {
    item.status = "running";
    item.startedAt = new Date().toISOString();
    try {
      const result = await body(() => ctx.reporter.onItemStart?.({ stepId: step.id, item }));
      if (result === undefined) {
        item.status = "pending";
        return;
      }
      applyResult(item, result);
      if (result.status === "completed" && call.kind !== "uses") completed.push(item.index);
      if (result.reused) reusedItems++;
      if (result.remoteCancel) ctx.cancelFromOutside();
    } catch (error) {
      if (error instanceof NotRunError) {
        notRun ??= error;
        item.status = "pending";
        stepController.abort();
        return;
      }
      item.status = "failed";
      item.error = stepErrorFromThrown(placedInStep(error, step));
      ctx.noteFatal(error);
    }
    item.closedAt = new Date().toISOString();
    ctx.reporter.onItemEnd?.({ stepId: step.id, item });
    if (countsAsFailure(item.status, itemSignal.aborted)) countFailure(item);
  };

  // A start request that reads nothing of its item is built once for the step (call-spec.ts,
  // scopeFree). When building it throws, each item builds its own and fails with it, as before.
  let shared: ExecutionSpec | undefined;
  if (call.kind !== "uses" && !step.repeat && scopeFree(step)) {
    shared = await buildExecutionSpec(ctx, call, step, ctx.scope(), "").catch(() => undefined);
  }

  const runItem = async (index: number): Promise<void> => {
    const item = items[index] as ItemRecord;
    const id = itemExecutionId(ctx.runId, ctx.stepKey(step.id), index);
    const scope = () => ctx.scope({ item: values[index], index });
    if (call.kind === "uses") {
      // One sub-pipeline per item, under `<runId>.<stepId>.<index>`, its records `<stepId>[<index>].<substep>`.
      await runLifecycle(item, async (announce) => {
        announce();
        const notRunBefore = ctx.notRun.length;
        const result = await runSubPipeline(ctx, step, call, scope(), id, `${step.id}[${index}].`, itemSignal, index);
        if (ctx.notRun.length > notRunBefore) throw new NotRunError(id, "steps of it were not there to read back");
        return { ...result, reused: false, remoteCancel: false };
      });
      return;
    }
    if (step.repeat) {
      // Its attempts run by repeat.ts, each attempt announced as a (re)start of the item.
      await runLifecycle(item, (announce) =>
        runRepeated(ctx, step, call, scope(), id, { record: item, update: announce }, itemSignal),
      );
      return;
    }
    let spec: ExecutionSpec;
    try {
      spec = shared ? withId(shared, id) : await buildExecutionSpec(ctx, call, step, scope(), id);
    } catch (error) {
      // Its input could not be built: it failed without starting (no start or close time).
      item.status = "failed";
      item.error = stepErrorFromThrown(placedInStep(error, step));
      ctx.reporter.onItemEnd?.({ stepId: step.id, item });
      countFailure(item);
      return;
    }
    if (!(await ctx.slots.acquire(itemSignal))) return;
    try {
      await runLifecycle(item, (announce) => {
        item.execution = { kind: spec.kind, executionId: id };
        announce();
        return runExecution(ctx, spec, step.cancellation, itemSignal, {
          keepFailure: ctx.keepsFailure(step) || readOnly,
          readOnly,
          onStarted: (runId) => {
            if (item.execution) item.execution.runId = runId;
          },
          follow: {
            item: true,
            onProgress: (progress) => {
              applyProgress(item, progress);
              if (item.execution)
                ctx.reporter.onProgress?.({
                  stepId: step.id,
                  section: step.section,
                  index,
                  execution: item.execution,
                  progress,
                });
            },
          },
        });
      });
    } finally {
      ctx.slots.release();
    }
  };

  const worker = async (): Promise<void> => {
    while (!itemSignal.aborted) {
      const index = next++;
      if (index >= total) return;
      await runItem(index);
    }
  };
  const workers = Math.max(1, Math.min(step.concurrency ?? ctx.slots.limit, total));
  await Promise.all(Array.from({ length: workers }, worker));
  if (notRun !== undefined) throw notRun;

  let allCompleted = true;
  for (const item of items) {
    if (item.status === "pending") {
      item.status = "skipped";
      ctx.reporter.onItemEnd?.({ stepId: step.id, item });
    }
    if (item.status !== "completed" && !failed.has(item)) allCompleted = false;
  }

  // On resume, a forEach whose every item was found on the server was reused as a whole.
  if (total > 0 && reusedItems === total) record.reused = true;
  if (doomed) {
    record.status = "failed";
    record.error = {
      message: `${failures} of ${total} items failed (${allowed} tolerated)`,
      type: "ForEachFailed",
      ...(firstFailure === undefined ? {} : { cause: firstFailure }),
    };
  } else if (!allCompleted) {
    record.status = step.cancellation === "abandon" ? "abandoned" : "canceled";
  } else {
    record.status = "completed";
  }
  // Read back as it ended: done when it completed, or failed where onError: continue held that.
  if (readOnly && record.status !== "completed" && !(record.status === "failed" && ctx.keepsFailure(step)))
    throw new NotRunError(record.id, `it ended ${record.status}`);
  if (record.status === "completed" || record.status === "failed") {
    // Outputs stay aligned with the input: a tolerated failure leaves a null in its place, except a
    // repeat item that failed by its limit or timeout, which keeps its last check's output (as
    // `$steps.<id>.output` of a repeat step does: docs/language.md, "repeat").
    record.output = items.map((item) =>
      item.status === "completed" || failed.has(item) ? (item.output ?? null) : null,
    );
  }
  return { order: completed, values };
}
