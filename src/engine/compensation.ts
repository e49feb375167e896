/**
 * After a failed or cancelled run: undo what was done, most recent first. Each completed step's
 * `compensate` call runs once, in reverse completion order (on a resume, across its sessions: the
 * server's close times); a forEach step's completed items are each undone by their own execution
 * (with the item's `$item`, `$index` and `$output`), in reverse of the order they completed, at
 * most the step's `concurrency` at a time. Compensations are not
 * cancelled by the run (they are the cleanup); a second Ctrl-C terminates those in flight and
 * stops the rest. What was undone then shows `compensated` (or `compensationFailed`).
 */
import type { Scope } from "../pipeline/expr/scope.js";
import type { Compensation } from "../pipeline/model.js";
import { NEVER_ABORTED } from "./abort.js";
import { buildExecutionSpec } from "./call-spec.js";
import { latestClosedFirst } from "./close-order.js";
import type { ItemRecord, StepRecord, StepStatus } from "./events.js";
import { runExecution } from "./execution.js";
import { compensationExecutionId, itemCompensationExecutionId, stepExecutionId } from "./execution-ids.js";
import type { Completion, RunContext } from "./run-context.js";
import { placedError } from "./start-refusal.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { applyResult } from "./step-outcome.js";

/**
 * Record ID of a compensation in the run record and events: `<key>.compensate`, where `key` names
 * the attempt it undoes as its execution ID does (`flush`, `flush@2`, `db@2.createDb`,
 * `dbs[2].createDb`), so the undo of attempt 1 reads `flush.compensate` in every session and that of
 * attempt 2 `flush@2.compensate`, never sharing a row.
 */
export function compensationRecordId(key: string): string {
  return `${key}.compensate`;
}

/**
 * The key of the attempt of `owner`'s step `stepId` as shown under the run `root` (compensationRecordId):
 * its execution key without the run ID, a forEach over uses item's index in brackets (`dbs[2].`).
 */
function shownKey(root: RunContext, owner: RunContext, stepId: string): string {
  const under =
    owner.runId === root.runId
      ? ""
      : `${owner.runId.slice(root.runId.length + 1).replace(/\.(\d+)(?=\.|$)/g, "[$1]")}.`;
  return `${under}${owner.stepKey(stepId)}`;
}

/**
 * Told, and awaited, before the first compensation of a step starts: the step's execution ID
 * (`<runId>.<stepKey>`, a sub-pipeline's step `<runId>.db.createDb`). A resume must know what was
 * undone even when this process dies mid-rollback (src/runs/manifest/records.ts); when it throws,
 * the step is not compensated and its compensation fails with that error.
 */
export type BeforeCompensation = (stepExecutionId: string) => Promise<void>;

/** An undo of work an earlier session did, placed in a rollback by when that work completed (the server's time). */
export interface EarlierWork {
  readonly closedAt: number;
  undo(): Promise<void>;
}

/**
 * The rollback: this session's completions, latest first, and `earlier` (latest first too), the
 * undos of earlier attempts this session moved past (src/engine/earlier-undo.ts), each placed
 * before the first completion that closed before it. A resumed session read back what earlier
 * sessions did as it reached each step: it goes by the server's close times (close-order.ts).
 */
export async function runCompensations(
  ctx: RunContext,
  stop: AbortSignal,
  before?: BeforeCompensation,
  earlier: readonly EarlierWork[] = [],
): Promise<void> {
  const pending = [...earlier];
  const undoEarlierThan = async (closedAt: number): Promise<void> => {
    for (let next = pending[0]; next !== undefined && next.closedAt > closedAt; next = pending[0]) {
      if (stop.aborted) return;
      pending.shift();
      await next.undo();
    }
  };
  const timed = ctx.resumed
    ? await latestClosedFirst(ctx, ctx.completionOrder, stop)
    : [...ctx.completionOrder].reverse().map((completion) => ({ completion, closedAt: Number.POSITIVE_INFINITY }));
  const closedAt = new Map(timed.map((t) => [t.completion, t.closedAt]));
  const timeOf = (unit: Completion | UsesItems) =>
    "usesItems" in unit
      ? Math.max(...unit.usesItems.flat().map((c) => closedAt.get(c) ?? Number.POSITIVE_INFINITY))
      : (closedAt.get(unit) ?? Number.POSITIVE_INFINITY);
  // Steps of sub-pipelines (uses:) are in the same order: their undo joins the run's. The items of
  // a forEach over uses are undone as a forEach's items are: at most its concurrency at a time.
  // A completion with nothing to undo places nothing: read back by a resume, it keeps this
  // session's time, which would put a forEach over uses' items ahead of later work.
  const undoable = timed.map((t) => t.completion).filter((c) => c.ctx.stepsById.get(c.stepId)?.compensate);
  for (const unit of undoUnits(undoable)) {
    if (stop.aborted) break;
    if (pending.length > 0) await undoEarlierThan(timeOf(unit));
    if (stop.aborted) break;
    if ("usesItems" in unit) {
      const items = unit.usesItems;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let item = items[next++]; item !== undefined && !stop.aborted; item = items[next++])
          for (const completion of item) await compensateCompletion(ctx, completion, stop, before);
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(unit.concurrency, items.length)) }, worker));
    } else await compensateCompletion(ctx, unit, stop, before);
  }
  await undoEarlierThan(Number.NEGATIVE_INFINITY);
  markUndoneUsesSteps(ctx);
}

/** The completions of a forEach over uses, item by item (latest completed first), and its concurrency. */
interface UsesItems {
  readonly usesItems: Completion[][];
  readonly concurrency: number;
}

/**
 * The completions, latest first, with those under the items of a forEach over uses gathered into
 * one unit at the place of the step's latest: each item's in its order (latest first), the items in
 * the order of their latest. A sub-pipeline nested inside an item belongs to that item.
 */
function undoUnits(latestFirst: readonly Completion[]): Array<Completion | UsesItems> {
  const units: Array<Completion | UsesItems> = [];
  const groups = new Map<string, { unit: UsesItems; byIndex: Map<number, Completion[]> }>();
  for (const completion of latestFirst) {
    const item = outermostItem(completion.ctx);
    if (item === undefined) {
      units.push(completion);
      continue;
    }
    const key = `${item.caller.recordPrefix}${item.stepId}`;
    let group = groups.get(key);
    if (group === undefined) {
      const concurrency = item.caller.stepsById.get(item.stepId)?.concurrency ?? item.caller.slots.limit;
      group = { unit: { usesItems: [], concurrency }, byIndex: new Map() };
      groups.set(key, group);
      units.push(group.unit);
    }
    let list = group.byIndex.get(item.index);
    if (list === undefined) {
      list = [];
      group.byIndex.set(item.index, list);
      group.unit.usesItems.push(list);
    }
    list.push(completion);
  }
  return units;
}

/** The forEach item of a uses step that `owner` runs in (the outermost, when nested), with its caller. */
function outermostItem(owner: RunContext): { caller: RunContext; stepId: string; index: number } | undefined {
  let found: { caller: RunContext; stepId: string; index: number } | undefined;
  for (let at: RunContext | undefined = owner; at?.sub !== undefined; at = at.sub.parent) {
    if (at.sub.item !== undefined) found = { caller: at.sub.parent, ...at.sub.item };
  }
  return found;
}

/** One completed step's compensation (each item's, for a forEach), after telling `before`. */
async function compensateCompletion(
  ctx: RunContext,
  completion: Completion,
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<void> {
  if (stop.aborted) return;
  const { ctx: owner, stepId } = completion;
  const compensate = owner.stepsById.get(stepId)?.compensate;
  const target = owner.records.get(stepId);
  if (!compensate || !target) return;
  const record: StepRecord = {
    id: compensationRecordId(shownKey(ctx, owner, stepId)),
    section: "compensate",
    kind: compensate.call.kind,
    status: "pending",
    ...(target.parent === undefined ? {} : { parent: target.parent }),
  };
  ctx.addRecord(record);
  try {
    await before?.(stepExecutionId(owner.runId, owner.stepKey(stepId)));
  } catch (error) {
    record.status = "failed";
    record.error = { message: `not started: ${stepErrorFromThrown(error).message}`, type: "CompensationNotRecorded" };
    ctx.noteFatal(error);
    ctx.reporter.onStepEnd?.({ stepId: record.id, record });
    return;
  }
  if (completion.items === undefined) await compensateStep(ctx, completion, compensate, target, record, stop);
  else await compensateItems(ctx, completion, compensate, target, record, stop);
}

/** One completed step's compensation, its record `record`; marks the step compensated (or not). */
async function compensateStep(
  ctx: RunContext,
  { ctx: owner, stepId }: Completion,
  compensate: Compensation,
  target: StepRecord,
  record: StepRecord,
  stop: AbortSignal,
): Promise<void> {
  const id = compensationExecutionId(owner.runId, owner.stepKey(stepId));
  const scope = { ...owner.scope(), output: target.output };
  await runOne(ctx, owner, stepId, compensate, scope, id, record, stop, () =>
    ctx.reporter.onStepStart?.({ stepId: record.id, record }),
  );
  if (record.startedAt !== undefined) record.closedAt = new Date().toISOString();
  ctx.reporter.onStepEnd?.({ stepId: record.id, record });
  const undone = undoneStatus(record.status);
  if (undone !== undefined) markUndone(ctx, owner, stepId, target, undone);
}

/**
 * A forEach step's completed items, each compensated by its own execution
 * (`<runId>.<stepKey>.<index>.compensate`), latest completed first, at most the step's
 * `concurrency` at a time (and the run's limit on top). `record` lists the compensated items.
 */
async function compensateItems(
  ctx: RunContext,
  completion: Completion,
  compensate: Compensation,
  target: StepRecord,
  record: StepRecord,
  stop: AbortSignal,
): Promise<void> {
  const { ctx: owner, stepId } = completion;
  const { order, values } = completion.items as NonNullable<Completion["items"]>;
  const { failed, skipped } = await undoItems(
    ctx,
    { owner, stepId, key: owner.stepKey(stepId), compensate, record },
    [...order].reverse().map((index) => ({ index, item: values[index], output: target.items?.[index]?.output })),
    stop,
  );
  let undoneAny = false;
  for (const item of record.items ?? []) {
    const undone = undoneStatus(item.status);
    const done = target.items?.[item.index];
    if (undone !== undefined && done) {
      done.status = undone;
      undoneAny = true;
    }
  }
  // The step itself is undone only if it had completed: a failed or cancelled forEach keeps its
  // own end (the run's failure), its items show what was undone.
  if (undoneAny && target.status === "completed")
    markUndone(ctx, owner, stepId, target, failed > 0 || skipped > 0 ? "compensationFailed" : "compensated");
  else if (undoneAny) ctx.reporter.onStepUpdate?.({ stepId: target.id, record: target });
}

/** What one forEach item's compensation reads: its index, `$item` and `$output`. */
export interface ItemToUndo {
  readonly index: number;
  readonly item: unknown;
  readonly output: unknown;
}

/** Whose items are undone: the step (of `owner`'s pipeline), the key of its attempt, and the record shown. */
export interface ItemsUndo {
  readonly owner: RunContext;
  readonly stepId: string;
  /** The step's attempt key (`flush`, `flush@2`): the items' compensations are `<runId>.<key>.<index>.compensate`. */
  readonly key: string;
  readonly compensate: Compensation;
  readonly record: StepRecord;
  /** Read back a compensation an earlier session saw fail, rather than start it again (a resume finishing its undo). */
  readonly keepFailure?: boolean;
}

/**
 * Runs the compensations of `items` (given latest completed first) in that order, at most the step's
 * `concurrency` at a time, each item's outcome on `undo.record.items`, the record announced and
 * ended; says how many failed and how many never started.
 */
export async function undoItems(
  ctx: RunContext,
  undo: ItemsUndo,
  items: readonly ItemToUndo[],
  stop: AbortSignal,
): Promise<{ failed: number; skipped: number }> {
  const { owner, stepId, key, compensate, record } = undo;
  const byIndex = new Map<number, ItemRecord>();
  for (const { index } of items) {
    byIndex.set(index, {
      index,
      status: "pending",
      execution: { kind: compensate.call.kind, executionId: itemCompensationExecutionId(owner.runId, key, index) },
    });
  }
  record.items = [...byIndex.values()].sort((a, b) => a.index - b.index);
  record.status = "running";
  record.startedAt = new Date().toISOString();
  ctx.reporter.onStepStart?.({ stepId: record.id, record });

  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const undone = items[next++];
      if (undone === undefined || stop.aborted) return;
      const item = byIndex.get(undone.index) as ItemRecord;
      const scope = { ...owner.scope({ item: undone.item, index: undone.index }), output: undone.output };
      const id = item.execution?.executionId ?? "";
      const announce = () => ctx.reporter.onItemStart?.({ stepId: record.id, item });
      await runOne(ctx, owner, stepId, compensate, scope, id, item, stop, announce, undo.keepFailure === true);
      if (item.startedAt !== undefined) item.closedAt = new Date().toISOString();
      ctx.reporter.onItemEnd?.({ stepId: record.id, item });
    }
  };
  const step = owner.stepsById.get(stepId);
  const workers = Math.max(1, Math.min(step?.concurrency ?? ctx.slots.limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));

  let failed = 0;
  for (const item of record.items) {
    if (item.status === "pending") {
      item.status = "skipped";
      ctx.reporter.onItemEnd?.({ stepId: record.id, item });
    }
    if (item.status !== "completed" && item.status !== "skipped") failed++;
  }
  const total = record.items.length;
  const skipped = record.items.filter((item) => item.status === "skipped").length;
  record.status = failed > 0 ? "failed" : skipped === total ? "skipped" : skipped > 0 ? "canceled" : "completed";
  if (failed > 0) {
    const first = record.items.find((item) => item.error !== undefined)?.error;
    record.error = {
      message: `${failed} of ${total} item compensations failed`,
      type: "CompensationFailed",
      ...(first === undefined ? {} : { cause: first }),
    };
  }
  record.closedAt = new Date().toISOString();
  ctx.reporter.onStepEnd?.({ stepId: record.id, record });
  return { failed, skipped };
}

/**
 * Starts one compensation execution of step `stepId` (of `owner`'s pipeline) and waits for it,
 * holding a run-wide slot; its outcome on `record`. `keepFailure`: on a resume, one an earlier
 * session saw end failed is read back, not started again.
 */
export async function runOne(
  ctx: RunContext,
  owner: RunContext,
  stepId: string,
  compensate: Compensation,
  scope: Scope,
  id: string,
  record: StepRecord | ItemRecord,
  stop: AbortSignal,
  announce: () => void,
  keepFailure = false,
): Promise<void> {
  let holdsSlot = false;
  try {
    const spec = await buildExecutionSpec(owner, compensate.call, compensate, scope, id);
    holdsSlot = await ctx.slots.acquire(stop);
    if (!holdsSlot) {
      record.status = "skipped";
      return;
    }
    record.status = "running";
    record.startedAt = new Date().toISOString();
    record.execution = { kind: spec.kind, executionId: id };
    if ("id" in record && spec.options.summary !== undefined) record.summary = spec.options.summary;
    announce();
    const result = await runExecution(ctx, spec, "waitCompleted", NEVER_ABORTED, {
      keepFailure,
      onStarted: (runId, reused) => {
        if (record.execution) record.execution.runId = runId;
        // Each start says anew: an execution awaited and then started again is not reused.
        if (reused && "id" in record) record.reused = true;
        else if ("id" in record) delete record.reused;
      },
    });
    applyResult(record, result);
  } catch (error) {
    record.status = "failed";
    // An expression's hint is the eval command that tries it where it failed (--step, --in compensate).
    const step = owner.stepsById.get(stepId);
    const placed = step === undefined ? error : placedError(error, step, step.compensate?.position);
    record.error = stepErrorFromThrown(placed);
    ctx.noteFatal(placed);
  } finally {
    if (holdsSlot) ctx.slots.release();
  }
}

/** What a compensation's end makes of the work it undid: nothing when it never started. */
function undoneStatus(status: StepStatus): "compensated" | "compensationFailed" | undefined {
  if (status === "completed") return "compensated";
  if (status === "skipped" || status === "pending") return undefined;
  return "compensationFailed";
}

/** Marks a step undone, where `$steps` (for `finally`) and the reporters see it. */
function markUndone(
  ctx: RunContext,
  owner: RunContext,
  stepId: string,
  target: StepRecord,
  status: "compensated" | "compensationFailed",
): void {
  target.status = status;
  owner.publish(target, stepId);
  ctx.reporter.onStepUpdate?.({ stepId: target.id, record: target });
}

/**
 * A completed uses step whose sub-pipeline's steps were undone is undone too (a forEach over uses:
 * each item whose steps were). Children come after their uses step in the record list, so walking
 * it backwards settles nested sub-pipelines before the steps that use them.
 */
function markUndoneUsesSteps(ctx: RunContext): void {
  // The undone children of each uses step, by its record ID.
  const undone = new Map<string, StepRecord[]>();
  for (const record of [...ctx.recordList].reverse()) {
    if (record.section === "compensate") continue;
    const children = undone.get(record.id);
    if (record.kind === "uses" && record.status === "completed" && children !== undefined) {
      const status = children.some((c) => c.status === "compensationFailed") ? "compensationFailed" : "compensated";
      // A forEach over uses: an item's children are `<id>[<index>].<step>`.
      const byItem = new Map<number, StepStatus>();
      for (const child of children) {
        const index = /^\[(\d+)\]\./.exec(child.id.slice(record.id.length))?.[1];
        if (index !== undefined && byItem.get(Number(index)) !== "compensationFailed")
          byItem.set(Number(index), child.status);
      }
      for (const [index, itemStatus] of byItem) {
        const item = record.items?.[index];
        if (item?.status === "completed") item.status = itemStatus;
      }
      record.status = status;
      if (record.parent === undefined) ctx.publish(record, record.id);
      ctx.reporter.onStepUpdate?.({ stepId: record.id, record });
    }
    if (record.parent !== undefined && isUndone(record.status)) {
      const siblings = undone.get(record.parent) ?? [];
      siblings.push(record);
      undone.set(record.parent, siblings);
    }
  }
}

function isUndone(status: StepStatus): boolean {
  return status === "compensated" || status === "compensationFailed";
}
