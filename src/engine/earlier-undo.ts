/**
 * A resume finishes what an earlier session's rollback set out to undo before it starts that step
 * again: a session killed (or stopped by a second Ctrl-C) mid-rollback leaves some of a step's
 * completed forEach items, or a single step, with no compensation started. Their work still holds,
 * and the resume reruns the step as a new attempt, so they are undone first, in reverse completion
 * order (the server's close times), at most the step's `concurrency` at a time. A compensation the
 * earlier session started is awaited or read back, never started twice; nothing is shown when every
 * compensation had already closed (the rollback had run its course). docs/cli.md, "Resuming a run".
 */
import type { Pipeline, Step } from "../pipeline/model.js";
import { upstreamOf } from "../pipeline/plan/build-plan.js";
import { forEachItemsOf } from "../pipeline/value-forms.js";
import { executionsOf } from "../temporal/executions-of.js";
import { NotFoundError } from "../temporal/service-errors.js";
import type { ExecutionKind } from "../temporal/types.js";
import type { BeforeCompensation, EarlierWork, ItemToUndo } from "./compensation.js";
import { compensationRecordId, runOne, undoItems } from "./compensation.js";
import type { StepRecord } from "./events.js";
import { retryTransient } from "./execution.js";
import {
  compensationExecutionId,
  itemCompensationExecutionId,
  itemExecutionId,
  stepExecutionId,
  stepKey,
} from "./execution-ids.js";
import type { RunContext } from "./run-context.js";
import type { EarlierUndo } from "./run-options.js";
import { stepErrorFromThrown } from "./step-errors.js";

/**
 * The steps the earlier undo of `undos` reads (`$steps` of its forEach list and compensate input):
 * those upstream of them, which the run reads back before finishing that undo.
 */
export function readBeforeUndo(pipeline: Pipeline, undos: readonly EarlierUndo[]): Step[] {
  const needed = new Set<string>();
  for (const { stepId } of undos) for (const id of upstreamOf(pipeline, stepId)) needed.add(id);
  return pipeline.steps.filter((step) => needed.has(step.id));
}

/** What of one earlier attempt completed, for its undo: its items (a forEach) or its output, and when. */
interface Done {
  readonly undo: EarlierUndo;
  readonly step: Step;
  readonly key: string;
  /** The items that completed, latest first; undefined for a single step. */
  readonly items?: ItemToUndo[];
  readonly output?: unknown;
  readonly closedAt: number;
  /** Some compensation of it was never started, or is still running: the undo has work left. */
  readonly left: boolean;
}

/**
 * Undoes what is left of each earlier attempt in `undos`, the latest completed first; `before` is
 * told first, so a session killed now leaves the same record for the next resume. Runs once the
 * steps it reads are read back (readBeforeUndo), before the rest of the run starts.
 */
export async function finishEarlierUndo(
  ctx: RunContext,
  undos: readonly EarlierUndo[],
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<void> {
  for (const work of await earlierWork(ctx, undos, stop, before)) {
    if (stop.aborted) return;
    await work.undo();
  }
}

/**
 * The attempts of the run's steps before the ones this session uses (`flush@1` when it runs
 * `flush@2`, rerun by `--from` or after a rollback, or read back): a rollback of this session
 * undoes those that completed and were never undone (earlierWork), with its own steps.
 */
export function earlierAttempts(pipeline: Pipeline, attempts: ReadonlyMap<string, number>): EarlierUndo[] {
  const found: EarlierUndo[] = [];
  for (const step of pipeline.steps) {
    const current = attempts.get(step.id) ?? 1;
    for (let attempt = 1; attempt < current; attempt++) found.push({ stepId: step.id, attempt });
  }
  return found;
}

/**
 * What is left to undo of each earlier attempt in `undos` (a compensation never started, or still
 * running: one that ended, even failed, is never started again), the latest completed first. One
 * whose work cannot be told is said as that undo's failure here.
 */
export async function earlierWork(
  ctx: RunContext,
  undos: readonly EarlierUndo[],
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<EarlierWork[]> {
  const found: Done[] = [];
  for (const undo of undos) {
    try {
      const done = await doneOf(ctx, undo, stop);
      if (done?.left) found.push(done);
    } catch (error) {
      // What is left cannot be told (the forEach list, the server): said as this undo's failure.
      const record = undoRecord(ctx, undo);
      record.status = "failed";
      record.error = { message: `cannot tell what is left to undo: ${stepErrorFromThrown(error).message}` };
      ctx.noteFatal(error);
      ctx.reporter.onStepEnd?.({ stepId: record.id, record });
    }
  }
  found.sort((a, b) => b.closedAt - a.closedAt);
  return found.map((done) => ({ closedAt: done.closedAt, undo: () => undoDone(ctx, done, stop, before) }));
}

/** Undoes what is left of one earlier attempt, after telling `before`. */
async function undoDone(
  ctx: RunContext,
  done: Done,
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<void> {
  const { step, key } = done;
  const compensate = step.compensate;
  if (compensate === undefined) return;
  const record = undoRecord(ctx, done.undo);
  try {
    await before?.(stepExecutionId(ctx.runId, key));
  } catch (error) {
    record.status = "failed";
    record.error = { message: `not started: ${stepErrorFromThrown(error).message}`, type: "CompensationNotRecorded" };
    ctx.noteFatal(error);
    ctx.reporter.onStepEnd?.({ stepId: record.id, record });
    return;
  }
  if (done.items !== undefined) {
    await undoItems(ctx, { owner: ctx, stepId: step.id, key, compensate, record, keepFailure: true }, done.items, stop);
    return;
  }
  const scope = { ...ctx.scope(), output: done.output };
  const id = compensationExecutionId(ctx.runId, key);
  const announce = () => ctx.reporter.onStepStart?.({ stepId: record.id, record });
  await runOne(ctx, ctx, step.id, compensate, scope, id, record, stop, announce, true);
  if (record.startedAt !== undefined) record.closedAt = new Date().toISOString();
  ctx.reporter.onStepEnd?.({ stepId: record.id, record });
}

/** The record of an earlier attempt's undo, added to the run's. */
function undoRecord(ctx: RunContext, undo: EarlierUndo): StepRecord {
  const record: StepRecord = {
    // The attempt is named even for the first (`flush@1.compensate`): this session may undo the
    // step's new attempt too, as `flush.compensate`.
    id: compensationRecordId(`${undo.stepId}@${undo.attempt}`),
    section: "compensate",
    kind: ctx.stepsById.get(undo.stepId)?.compensate?.call.kind ?? "activity",
    status: "pending",
  };
  ctx.addRecord(record);
  return record;
}

/** What the earlier attempt did, from the server; undefined when it has nothing to undo. */
async function doneOf(ctx: RunContext, undo: EarlierUndo, signal: AbortSignal): Promise<Done | undefined> {
  const step = ctx.stepsById.get(undo.stepId);
  const kind = step?.call.kind;
  if (step?.compensate === undefined || (kind !== "activity" && kind !== "nexus") || step.repeat) return undefined;
  const key = stepKey(step.id, undo.attempt);
  const compensationKind = step.compensate.call.kind;
  if (step.forEach === undefined) {
    const ran = await completed(ctx, kind, stepExecutionId(ctx.runId, key), signal);
    if (ran === undefined) return undefined;
    const left = await undoLeft(ctx, compensationKind, compensationExecutionId(ctx.runId, key), signal);
    return { undo, step, key, output: ran.output, closedAt: ran.closedAt, left };
  }
  const values = forEachItemsOf(step.forEach, await ctx.evaluate(step.forEach, ctx.scope()));
  const items: Array<ItemToUndo & { closedAt: number }> = [];
  let left = false;
  for (let index = 0; index < values.length; index++) {
    const ran = await completed(ctx, kind, itemExecutionId(ctx.runId, key, index), signal);
    if (ran === undefined) continue;
    items.push({ index, item: values[index], output: ran.output, closedAt: ran.closedAt });
    const id = itemCompensationExecutionId(ctx.runId, key, index);
    if (!left) left = await undoLeft(ctx, compensationKind, id, signal);
  }
  if (items.length === 0) return undefined;
  items.sort((a, b) => b.closedAt - a.closedAt);
  return { undo, step, key, items, closedAt: items[0]?.closedAt ?? 0, left };
}

/** The output and close time of an execution that completed; undefined for any other (or none). */
async function completed(
  ctx: RunContext,
  kind: ExecutionKind,
  id: string,
  signal: AbortSignal,
): Promise<{ output: unknown; closedAt: number } | undefined> {
  try {
    const description = await retryTransient(() => executionsOf(ctx.client, kind).describe(id), signal);
    if (description.outcome?.status !== "completed") return undefined;
    return { output: description.outcome.result, closedAt: description.closeTime?.getTime() ?? 0 };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Whether compensation `id` has work left: never started, or still running. */
async function undoLeft(ctx: RunContext, kind: ExecutionKind, id: string, signal: AbortSignal): Promise<boolean> {
  try {
    const description = await retryTransient(() => executionsOf(ctx.client, kind).describe(id), signal);
    // Terminated: a second Ctrl-C stopped it part-way, its work is not undone.
    return description.status === "running" || description.status === "paused" || description.status === "terminated";
  } catch (error) {
    if (error instanceof NotFoundError) return true;
    throw error;
  }
}
