/**
 * A resume finishes what an earlier session's rollback set out to undo before it starts that step
 * again: a session killed (or stopped by a second Ctrl-C) mid-rollback leaves some completed work
 * with no compensation started: a single step, forEach items, a repeat step's, the steps inside a
 * used pipeline, each item's steps of a forEach over uses. Their work still holds, and the resume
 * reruns the step as a new attempt, so they are undone first, in reverse completion order (the
 * server's close times), at most the step's `concurrency` items at a time. A compensation the
 * earlier session started is awaited or read back, never started twice (its ID is the same:
 * execution-ids.ts); nothing is shown when every compensation had already closed (the rollback had
 * run its course). docs/cli.md, "Resuming a run". A session's own rollback undoes the same way the
 * earlier attempts of its steps it moved past (earlierWork, placed by compensation.ts).
 */
import type { Scope } from "../pipeline/expr/scope.js";
import { isTruthy } from "../pipeline/expr/truthy.js";
import type { Pipeline, Step } from "../pipeline/model.js";
import { forEachItemsOf } from "../pipeline/value-forms.js";
import { executionsOf } from "../temporal/executions-of.js";
import { NotFoundError } from "../temporal/service-errors.js";
import type { ExecutionDescription, ExecutionKind } from "../temporal/types.js";
import { latestFirst } from "./close-order.js";
import type { BeforeCompensation, EarlierWork, ItemToUndo } from "./compensation.js";
import { compensationRecordId, runOne, undoItems } from "./compensation.js";
import type { StepRecord } from "./events.js";
import { retryTransient } from "./execution.js";
import {
  compensationExecutionId,
  itemCompensationExecutionId,
  itemExecutionId,
  repeatExecutionId,
  stepExecutionId,
  stepKey,
} from "./execution-ids.js";
import type { RunContext } from "./run-context.js";
import type { EarlierUndo, EarlierUndos } from "./run-options.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { undoContext, usedContext } from "./undo-context.js";

/** Where an earlier attempt's compensation stands on the server. */
export type UndoState = "none" | "running" | "completed" | "failed" | "terminated";

/**
 * Whether a compensation in `state` is the resume's to finish: never started (started now), still
 * running (awaited), or terminated part-way by a second Ctrl-C (started again under its ID, its work
 * not undone). One that completed is done; one that failed ended that undo and is not started twice.
 */
export function leftToFinish(state: UndoState): boolean {
  return state === "none" || state === "running" || state === "terminated";
}

/** One completed execution of an earlier attempt (a step's, or an item's) and its compensation's state. */
export interface DoneWork {
  /** The forEach item's index; undefined for a single step. */
  readonly index?: number;
  readonly item?: unknown;
  readonly output: unknown;
  /** The server's close time of the work (ms). */
  readonly closedAt: number;
  readonly undo: UndoState;
}

/** A step's completed work of an earlier attempt, and where its undo is shown. */
export interface StepWork {
  readonly done: readonly DoneWork[];
}

/** The work of a forEach over uses: each item's steps; items are undone at most `concurrency` at a time. */
export interface UsesItemsWork<S extends StepWork> {
  readonly concurrency: number;
  readonly items: ReadonlyArray<readonly S[]>;
}

export type Work<S extends StepWork> = S | UsesItemsWork<S>;

const isItems = <S extends StepWork>(work: Work<S>): work is UsesItemsWork<S> => "items" in work;

/** The latest close time of `work`'s completed executions (0 when none). */
export function closedAtOf<S extends StepWork>(work: Work<S>): number {
  if (isItems(work)) return Math.max(0, ...work.items.flat().map((step) => closedAtOf(step)));
  return Math.max(0, ...work.done.map((d) => d.closedAt));
}

/** Whether anything of `work` is left to finish (leftToFinish). */
export function anyLeft<S extends StepWork>(work: Work<S>): boolean {
  if (isItems(work)) return work.items.some((steps) => steps.some((step) => anyLeft(step)));
  return work.done.some((d) => leftToFinish(d.undo));
}

/**
 * The work with something left to finish and the order to undo it in: the steps (and forEach over
 * uses) by their latest completion, latest first, counting work already undone too (reverse
 * completion order is that of the work, whatever its undo did); each step's executions latest
 * completed first; a forEach over uses item by item, the latest completed item first, each item's
 * steps latest first. Work with something left keeps all its executions: those whose compensation
 * had closed are read back, never started again (runOne), so the step's undo shows whole.
 */
export function planUndo<S extends StepWork>(works: ReadonlyArray<Work<S>>): Array<Work<S>> {
  const ordered = (step: S): S => ({ ...step, done: latestFirst(step.done, (d) => d.closedAt) });
  return latestFirst(works.filter(anyLeft), closedAtOf).map((work) =>
    isItems(work)
      ? {
          ...work,
          items: latestFirst(work.items, (steps) => Math.max(0, ...steps.map((s) => closedAtOf(s)))).map((steps) =>
            latestFirst(steps, closedAtOf).map(ordered),
          ),
        }
      : ordered(work),
  );
}

/** A step's earlier work as this module undoes it: where it ran, under which key, and its record. */
interface OwnedWork extends StepWork {
  /** The context the step ran in: the run's, or one made for the used pipeline's run it was in. */
  readonly owner: RunContext;
  readonly step: Step;
  /** The key of its attempt then (`flush`, `flush@2`). */
  readonly key: string;
  /** Its undo's record ID (`flush.compensate`, `db.createDb.compensate`) and the uses step it sits under. */
  readonly recordId: string;
  readonly parent?: string;
}

/**
 * Undoes what is left of each earlier undo, in planUndo's order (earlierWork). A resume runs it
 * before any step of the run starts.
 */
export async function finishEarlierUndo(
  ctx: RunContext,
  earlier: EarlierUndos,
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<void> {
  for (const work of await earlierWork(ctx, earlier, stop, before)) {
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
 * What is left to undo of each earlier undo, latest completed first (planUndo), each to be run
 * (`undo`) where a rollback places it by its close time. `before` is told of each with anything
 * left before this returns, so a session killed from then on leaves them for the next resume. What
 * the undone work read (`$steps` of a forEach list, `with`, compensate input) is read back under
 * the attempts it read then, never started. One whose work cannot be told is said as that undo's
 * failure here.
 */
export async function earlierWork(
  ctx: RunContext,
  earlier: EarlierUndos,
  stop: AbortSignal,
  before: BeforeCompensation | undefined,
): Promise<EarlierWork[]> {
  const works: Array<Work<OwnedWork>> = [];
  const told: EarlierUndo[] = [];
  let root: RunContext | undefined;
  for (const undo of earlier.undos) {
    if (stop.aborted) return [];
    try {
      root ??= await undoContext(ctx, ctx.pipeline, {
        runId: ctx.runId,
        inputs: ctx.inputs,
        secrets: ctx.secrets,
        attempts: earlier.attempts,
        reads: earlier.undos.map((u) => u.stepId),
        vars: ctx.vars,
      });
      const found = await workOf(ctx, root, undo);
      if (found.some((work) => anyLeft(work))) {
        works.push(...found);
        told.push(undo);
      }
    } catch (error) {
      // What is left cannot be told (the forEach list, the server): said as this undo's failure.
      failRecord(ctx, newRecord(ctx, labelOf(undo), undefined), "cannot tell what is left to undo", error);
    }
  }
  try {
    for (const undo of told) await before?.(stepExecutionId(ctx.runId, keyOf(undo)));
  } catch (error) {
    for (const undo of told) failRecord(ctx, newRecord(ctx, labelOf(undo), undefined), "not started", error);
    return [];
  }
  return planUndo(works).map((work) => ({ closedAt: closedAtOf(work), undo: () => undoWork(ctx, work, stop) }));
}

/** Runs what is left of one planned work: a step's, or a forEach over uses item by item. */
async function undoWork(ctx: RunContext, work: Work<OwnedWork>, stop: AbortSignal): Promise<void> {
  if (!isItems(work)) {
    await undoStep(ctx, work, stop);
    return;
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = work.items[next++]; item !== undefined && !stop.aborted; item = work.items[next++])
      for (const step of item) await undoStep(ctx, step, stop);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(work.concurrency, work.items.length)) }, worker));
}

/** Runs what is left of one step's undo (planUndo's: latest completed first), shown on its own record. */
async function undoStep(ctx: RunContext, work: OwnedWork, stop: AbortSignal): Promise<void> {
  const { owner, step, key } = work;
  const compensate = step.compensate;
  if (compensate === undefined) return;
  const record = newRecord(ctx, work.recordId, work.parent, compensate.call.kind);
  if (step.forEach !== undefined) {
    const items: ItemToUndo[] = work.done.map((d) => ({ index: d.index ?? 0, item: d.item, output: d.output }));
    await undoItems(ctx, { owner, stepId: step.id, key, compensate, record, keepFailure: true }, items, stop);
    return;
  }
  const scope = { ...owner.scope(), output: work.done[0]?.output };
  const id = compensationExecutionId(owner.runId, key);
  const announce = () => ctx.reporter.onStepStart?.({ stepId: record.id, record });
  await runOne(ctx, owner, step.id, compensate, scope, id, record, stop, announce, true);
  if (record.startedAt !== undefined) record.closedAt = new Date().toISOString();
  ctx.reporter.onStepEnd?.({ stepId: record.id, record });
}

/** A record of an earlier attempt's undo, added to the run's. */
function newRecord(ctx: RunContext, id: string, parent: string | undefined, kind?: ExecutionKind): StepRecord {
  const record: StepRecord = {
    id,
    section: "compensate",
    kind: kind ?? "activity",
    status: "pending",
    ...(parent === undefined ? {} : { parent }),
  };
  ctx.addRecord(record);
  return record;
}

function failRecord(ctx: RunContext, record: StepRecord, why: string, error: unknown): void {
  record.status = "failed";
  record.error = {
    message: `${why}: ${stepErrorFromThrown(error).message}`,
    ...(why === "not started" ? { type: "CompensationNotRecorded" } : {}),
  };
  ctx.noteFatal(error);
  ctx.reporter.onStepEnd?.({ stepId: record.id, record });
}

/** The execution key an undo names (`flush@2`, `db.createDb`), as the record of compensations keeps it. */
function keyOf(undo: EarlierUndo): string {
  return [undo, ...(undo.inside ?? [])].map((s) => stepKey(s.stepId, s.attempt)).join(".");
}

/**
 * The record ID an earlier attempt's undo is shown under, as every compensation's: by the key of
 * the attempt it undid (`flush.compensate` for attempt 1, as the killed session showed it;
 * `db.createDb.compensate`), apart from this session's undo of its new attempt (`flush@2.compensate`).
 */
function labelOf(undo: EarlierUndo): string {
  return compensationRecordId(keyOf(undo));
}

/**
 * Where an undo's records go: `shown` starts their IDs (attempts named: `dbs[2].`), `prefix` is the
 * record ID prefix of the steps there in this session (`dbs[2].`), `parent` the uses step's record ID.
 */
interface Names {
  readonly shown: string;
  readonly prefix: string;
  readonly parent?: string;
}

/** What the earlier attempt `undo` names did, from the server: the steps' work, each with its undo's state. */
async function workOf(ctx: RunContext, root: RunContext, undo: EarlierUndo): Promise<Array<Work<OwnedWork>>> {
  let owner = root;
  let names: Names = { shown: "", prefix: "" };
  const way = [undo, ...(undo.inside ?? [])];
  for (const [at, segment] of way.entries()) {
    const step = owner.stepsById.get(segment.stepId);
    if (step === undefined) return [];
    const key = stepKey(step.id, segment.attempt);
    const last = at === way.length - 1;
    if (step.call.kind !== "uses") {
      if (!last) return [];
      const work = await stepWork(ctx, owner, step, key, names);
      return work === undefined ? [] : [work];
    }
    const attempts = last ? new Map(Object.entries(undo.attemptsInside ?? {})) : new Map<string, number>();
    const reads = last ? stepsWithUndo(step.call.pipeline) : [way[at + 1]?.stepId ?? ""];
    if (step.forEach !== undefined) {
      // A forEach over uses is undone whole (every item's steps), as the resume reruns it whole.
      return [await usesItemsWork(ctx, owner, step, key, attempts, reads, names)];
    }
    owner = await usedContext(owner, step, `${owner.runId}.${key}`, attempts, reads, undefined);
    names = inside(names, step, key);
    // An earlier attempt of a uses step a session moved past (earlierAttempts): all its steps' work.
    if (last) return allWork(ctx, owner, names);
  }
  return [];
}

/** The names inside uses step `step` (under `key`), or inside its item `index`. */
function inside(names: Names, step: Step, key: string, index?: number): Names {
  const item = index === undefined ? "" : `[${index}]`;
  return {
    shown: `${names.shown}${key}${item}.`,
    prefix: `${names.prefix}${step.id}${item}.`,
    parent: `${names.prefix}${step.id}`,
  };
}

/** Each item's steps' work of forEach over uses `step` (under `key`), from every item the list has. */
async function usesItemsWork(
  ctx: RunContext,
  owner: RunContext,
  step: Step,
  key: string,
  attempts: ReadonlyMap<string, number>,
  reads: readonly string[],
  names: Names,
): Promise<UsesItemsWork<OwnedWork>> {
  if (step.forEach === undefined) throw new Error(`bug: ${step.id} is no forEach`);
  const values = forEachItemsOf(step.forEach, await owner.evaluate(step.forEach, owner.scope()));
  const items: OwnedWork[][] = [];
  for (const [index, item] of values.entries()) {
    const used = await usedContext(owner, step, `${owner.runId}.${key}.${index}`, attempts, reads, { item, index });
    items.push(await allWork(ctx, used, inside(names, step, key, index)));
  }
  return { concurrency: step.concurrency ?? ctx.slots.limit, items };
}

/** The work of every step with a `compensate` in `owner`'s pipeline, those inside its uses steps too. */
async function allWork(ctx: RunContext, owner: RunContext, names: Names): Promise<OwnedWork[]> {
  const found: OwnedWork[] = [];
  for (const step of owner.pipeline.steps) {
    const key = owner.stepKey(step.id);
    if (step.call.kind !== "uses") {
      const work = await stepWork(ctx, owner, step, key, names);
      if (work !== undefined) found.push(work);
      continue;
    }
    const reads = stepsWithUndo(step.call.pipeline);
    if (reads.length === 0) continue;
    const attempts = owner.attemptsUnder(step.id);
    const values =
      step.forEach === undefined
        ? [undefined]
        : forEachItemsOf(step.forEach, await owner.evaluate(step.forEach, owner.scope()));
    for (const [index, item] of values.entries()) {
      const at = step.forEach === undefined ? undefined : { item, index };
      const subRunId = `${owner.runId}.${key}${at === undefined ? "" : `.${index}`}`;
      // Not started (an earlier step of the item failed): nothing of it to undo, nor a `with` to read.
      if (!(await anyUnder(ctx, step.call.pipeline, subRunId))) continue;
      const used = await usedContext(owner, step, subRunId, attempts, reads, at);
      found.push(...(await allWork(ctx, used, inside(names, step, key, at?.index))));
    }
  }
  return found;
}

/** The attempt a step key names (`flush@2`: 2). */
const attemptOf = (key: string) => Number(/@(\d+)$/.exec(key)?.[1] ?? 1);

/** The IDs of `used`'s steps that have something to undo: a compensate, or one inside their own pipeline. */
function stepsWithUndo(used: Pipeline): string[] {
  return used.steps
    .filter((s) => (s.call.kind === "uses" ? stepsWithUndo(s.call.pipeline).length > 0 : s.compensate !== undefined))
    .map((s) => s.id);
}

/** Whether any step of `used` under `subRunId` has an execution on the server (its first steps are looked at). */
async function anyUnder(ctx: RunContext, used: Pipeline, subRunId: string): Promise<boolean> {
  for (const step of used.steps.filter((s) => s.dependsOn.length === 0)) {
    if (step.call.kind !== "activity" && step.call.kind !== "nexus") return true;
    const base = stepExecutionId(subRunId, step.id);
    const id = step.forEach !== undefined ? itemExecutionId(subRunId, step.id, 0) : base;
    const probe = step.repeat ? repeatExecutionId(id, 1) : id;
    if ((await describeOrNone(ctx, step.call.kind, probe)) !== undefined) return true;
  }
  return false;
}

/** What step `step` (of `owner`'s pipeline) under `key` completed, each with its undo's state; undefined when nothing. */
async function stepWork(
  ctx: RunContext,
  owner: RunContext,
  step: Step,
  key: string,
  names: Names,
): Promise<OwnedWork | undefined> {
  const kind = step.call.kind;
  const compensate = step.compensate;
  if (compensate === undefined || (kind !== "activity" && kind !== "nexus")) return undefined;
  const undoKind = compensate.call.kind;
  const done: DoneWork[] = [];
  if (step.forEach === undefined) {
    const ran = await completedWork(ctx, owner, step, stepExecutionId(owner.runId, key), owner.scope());
    if (ran === undefined) return undefined;
    done.push({ ...ran, undo: await undoState(ctx, undoKind, compensationExecutionId(owner.runId, key)) });
  } else {
    const values = forEachItemsOf(step.forEach, await owner.evaluate(step.forEach, owner.scope()));
    for (const [index, item] of values.entries()) {
      const id = itemExecutionId(owner.runId, key, index);
      const ran = await completedWork(ctx, owner, step, id, owner.scope({ item, index }));
      if (ran === undefined) continue;
      const undo = await undoState(ctx, undoKind, itemCompensationExecutionId(owner.runId, key, index));
      done.push({ index, item, ...ran, undo });
    }
  }
  if (done.length === 0) return undefined;
  const recordId = compensationRecordId(`${names.shown}${stepKey(step.id, attemptOf(key))}`);
  return { owner, step, key, done, recordId, ...(names.parent === undefined ? {} : { parent: names.parent }) };
}

/**
 * The output and close time of `id`'s work when it completed: the execution's, or for a repeat the
 * last check's, when `until` held for it (a repeat that ran out of checks did not complete).
 */
async function completedWork(
  ctx: RunContext,
  owner: RunContext,
  step: Step,
  id: string,
  scope: Scope,
): Promise<{ output: unknown; closedAt: number } | undefined> {
  const kind = step.call.kind === "nexus" ? "nexus" : "activity";
  if (step.repeat === undefined) return completedOutcome(await describeOrNone(ctx, kind, id));
  let last: ExecutionDescription | undefined;
  let attempt = 0;
  for (;;) {
    const next = await describeOrNone(ctx, kind, repeatExecutionId(id, attempt + 1));
    if (next === undefined) break;
    last = next;
    attempt++;
  }
  const ran = completedOutcome(last);
  if (ran === undefined) return undefined;
  try {
    return isTruthy(await owner.evaluate(step.repeat.until, { ...scope, output: ran.output, attempt }))
      ? ran
      : undefined;
  } catch {
    // An until that throws failed the step: it never completed.
    return undefined;
  }
}

function completedOutcome(
  description: ExecutionDescription | undefined,
): { output: unknown; closedAt: number } | undefined {
  if (description?.outcome?.status !== "completed") return undefined;
  return { output: description.outcome.result, closedAt: description.closeTime?.getTime() ?? 0 };
}

async function describeOrNone(
  ctx: RunContext,
  kind: ExecutionKind,
  id: string,
): Promise<ExecutionDescription | undefined> {
  try {
    return await retryTransient(() => executionsOf(ctx.client, kind).describe(id), ctx.cancelSignal);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Where compensation `id` stands. */
async function undoState(ctx: RunContext, kind: ExecutionKind, id: string): Promise<UndoState> {
  const description = await describeOrNone(ctx, kind, id);
  switch (description?.status) {
    case undefined:
      return "none";
    case "running":
    case "paused":
      return "running";
    case "completed":
      return "completed";
    case "terminated":
      return "terminated";
    default:
      return "failed";
  }
}
