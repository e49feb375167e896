/**
 * The state of a whole run, from its manifest (every step in plan order, the current attempt of each)
 * and the executions the server has: each step's state, attempts, duration, failure and forEach item
 * counts, and the run's own state, with the command that resumes it when it stopped part-way.
 * Used by `nxrun status`, `nxrun watch` and `nxrun runs`.
 */
import { hostname } from "node:os";
import { describeErrorChain } from "../engine/error-chain.js";
import type { StepRecord, StepStatus } from "../engine/events.js";
import type { ExecutionStatus } from "../temporal/types.js";
import { latestPerId, timesOf } from "./execution-times.js";
import type { RecordedRun } from "./journal-events.js";
import type { ManifestStep, RunManifest } from "./manifest/manifest.js";
import type { ManifestRead } from "./manifest/store.js";
import type { RunExecution } from "./run-executions.js";
import { processAlive } from "./run-session.js";
import { stateAfterUndo, type UndoRow, undoOnServer, undoRowsOnServer } from "./undo-state.js";

/**
 * A step's state: the status its run recorded for it (`canceled`, `abandoned`, ... as the run's own
 * report has them), `not started` for one the run has not reached, and `interrupted` for one that
 * was running when the run's nxrun stopped part-way.
 */
export type StepState = Exclude<StepStatus, "pending"> | "not started" | "interrupted";
export type RunStateName = "completed" | "failed" | "canceled" | "in progress" | "stopped";

export interface StepView {
  /** The step's ID; a step of a used pipeline by its path (`db.migrate`), a compensation as `<step>.compensate`. */
  readonly id: string;
  readonly section: "steps" | "finally" | "compensate";
  readonly kind: ManifestStep["kind"];
  /** A step of a used pipeline: the record ID of the uses step it ran under. */
  readonly parent?: string;
  readonly attempt: number;
  readonly state: StepState;
  /** Executions started for the step over the whole run (reruns and restarts of failed ones included). */
  readonly attempts: number;
  readonly startedAt?: string;
  readonly closedAt?: string;
  readonly durationMs?: number;
  readonly failure?: string;
  /** forEach: the items the server has, by status (items never started are not counted). */
  readonly items?: Readonly<Record<string, number>>;
  /** forEach: how many items the step has, as its session recorded them (manifest/records.ts). */
  readonly itemCount?: number;
  /** A completed step's output, as its run recorded it (secrets masked by the run's own process). */
  readonly output?: unknown;
  readonly executions: readonly string[];
}

export interface RunView {
  readonly runId: string;
  readonly pipeline: string;
  readonly file: string;
  readonly state: RunStateName;
  readonly exitCode?: number;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly closedAt?: string;
  readonly durationMs?: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Who runs it now, while in progress. */
  readonly session?: { readonly by: string; readonly pid: number; readonly at: string };
  /** For a run that stopped part-way, failed or was cancelled: the exact command that resumes it. */
  readonly resume?: string;
  readonly steps: readonly StepView[];
}

const CLOSED_FAILED: ReadonlySet<ExecutionStatus> = new Set(["failed", "timedOut", "canceled", "terminated"]);

/** The run's state from how its latest session ended, or whether that session's process still lives. */
export function runStateOf(read: Extract<ManifestRead, { found: true }>): { state: RunStateName; exitCode?: number } {
  if (read.status === "running" || read.status === "paused") {
    const owner = read.manifest?.session;
    if (owner && owner.host === hostname() && !processAlive(owner.pid)) return { state: "stopped" };
    return { state: "in progress" };
  }
  if (!read.end) return { state: "stopped" };
  const exitCode = read.end.exitCode;
  switch (read.end.status) {
    case "completed":
      return { state: "completed", exitCode };
    case "canceled":
      return { state: "canceled", exitCode };
    default:
      return { state: "failed", exitCode };
  }
}

/** Each manifest step's state from the executions of the run. */
export function stepViews(
  manifest: RunManifest,
  executions: readonly RunExecution[],
  runState: RunStateName,
  itemCounts: ReadonlyMap<string, number> = new Map(),
): StepView[] {
  const byStep = new Map<string, RunExecution[]>();
  for (const e of executions) {
    if (e.role.role === "compensation") continue;
    if (!byStep.has(e.role.stepId)) byStep.set(e.role.stepId, []);
    byStep.get(e.role.stepId)!.push(e);
  }
  const started = new Set(byStep.keys());
  // A uses step has no execution of its own: its sub-steps' are its (`db.x`, `db[2].x`, `db@2.x`).
  const nested = (step: ManifestStep, attempt?: number) =>
    executions.filter((e) => e.role.role !== "compensation" && usesPathOf(e.role.stepId, step.id, attempt));
  for (const step of manifest.steps) if (step.kind === "uses" && nested(step).length > 0) started.add(step.id);
  const views = manifest.steps.map((step): StepView => {
    if (step.kind === "uses") {
      const followed = manifest.steps.some((s) => s.dependsOn.includes(step.id) && started.has(s.id));
      // Of the current attempt of the uses step, and of each sub-step a --from db.x reran (db.x@2).
      const now = nested(step, step.attempt).filter((e) => e.role.attempt === subAttempt(manifest, e.role.stepId));
      return usesView(step, nested(step), now, runState, followed);
    }
    const all = byStep.get(step.id) ?? [];
    const current = latestChecks(latestPerId(all.filter((e) => e.role.attempt === step.attempt)));
    const itemCount = step.forEach ? itemCounts.get(step.id) : undefined;
    const base = {
      id: step.id,
      section: step.section,
      kind: step.kind,
      attempt: step.attempt,
      ...(itemCount === undefined ? {} : { itemCount }),
    };
    const ended = runState !== "in progress";
    const attempts = attemptsOf(step, all);
    if (current.length === 0) {
      // A confirm step has no execution: it was approved when a step after it started.
      const approved =
        step.kind === "confirm" && manifest.steps.some((s) => s.dependsOn.includes(step.id) && started.has(s.id));
      const closed = runState === "completed" || runState === "failed" || runState === "canceled";
      if (itemCount !== undefined) {
        // A forEach whose items were counted: none of them started yet (or it has none).
        if (itemCount === 0) return { ...base, state: "completed", attempts, executions: [] };
        if (!ended) return { ...base, state: "running", attempts, executions: [] };
        const failure = `${itemCount} of ${itemCount} items never started`;
        return { ...base, state: "failed", attempts, failure, executions: [] };
      }
      const state: StepState = approved ? "completed" : closed ? "skipped" : "not started";
      return { ...base, state, attempts, executions: [] };
    }
    const starts = current.map((e) => e.startTime?.getTime()).filter((t): t is number => t !== undefined);
    const closes = current.map((e) => e.closeTime?.getTime()).filter((t): t is number => t !== undefined);
    const running = current.some((e) => e.status === "running" || e.status === "paused");
    // A wait's marker is cancelled by nxrun when the wait ends (engine/wait.ts), so a cancelled marker
    // is a finished wait unless the run was cancelled in it.
    const failed = current.filter(
      (e) =>
        CLOSED_FAILED.has(e.status) && !(step.kind === "wait" && e.status === "canceled" && runState !== "canceled"),
    );
    const state: StepState = running ? "running" : failed.length > 0 && !step.forEach ? "failed" : "completed";
    const itemExecutions = current.filter((e) => e.role.role === "item");
    // What the server undid of it since: each completed item by its compensation, or the step by its own.
    const undo = undoOnServer(executions, step.id, step.attempt);
    const itemStates = itemExecutions.map((e) => {
      const undone = e.role.role === "item" ? undo.items.get(e.role.index) : undefined;
      return e.status === "completed" && undone !== undefined ? undone : e.status;
    });
    const items = step.forEach ? countBy(itemStates.map((status) => ({ status }))) : undefined;
    // Items counted but not all started: the step goes on while the run does, else it was left part-way.
    const unstarted = itemCount === undefined ? 0 : Math.max(0, itemCount - itemExecutions.length);
    const forEachState: StepState =
      running || (unstarted > 0 && !ended)
        ? "running"
        : (failed.length > 0 && runState !== "completed") || unstarted > 0
          ? "failed"
          : "completed";
    const first = starts.length > 0 ? Math.min(...starts) : undefined;
    const last = !running && unstarted === 0 && closes.length > 0 ? Math.max(...closes) : undefined;
    const failure =
      failed.find((e) => e.failureMessage)?.failureMessage ??
      (unstarted > 0 && ended ? `${unstarted} of ${itemCount} items never started` : undefined);
    return {
      ...base,
      state: step.forEach ? stateAfterUndo(forEachState, undo, itemStates) : stateAfterUndo(state, undo),
      attempts,
      ...timesOf(first, last),
      ...(failure === undefined ? {} : { failure }),
      ...(items === undefined ? {} : { items }),
      executions: current.map((e) => e.id),
    };
  });
  return [...views, ...undoRows(executions, runState)];
}

/** The compensations the server has (undo-state.ts), as rows after the steps. */
function undoRows(executions: readonly RunExecution[], runState: RunStateName): StepView[] {
  return undoRowsOnServer(executions, runState === "in progress").map(
    (row: UndoRow): StepView => ({ ...row, section: "compensate", attempt: 1 }),
  );
}

/** A repeated step's or item's last check only: its earlier checks are how it got there, not its outcome. */
function latestChecks(executions: readonly RunExecution[]): RunExecution[] {
  const latest = new Map<string, RunExecution>();
  for (const e of executions) {
    const key = e.role.role === "item" ? `item ${e.role.index}` : e.role.role;
    const seen = latest.get(key);
    if (!seen || (e.role.role !== "compensation" && (e.role.check ?? 0) >= (seenCheck(seen) ?? 0))) latest.set(key, e);
  }
  return [...latest.values()];
}

const seenCheck = (e: RunExecution) => (e.role.role === "compensation" ? undefined : e.role.check);

/**
 * Executions started for a step over the whole run; a forEach's are those of its most-started item
 * (restarts, `--from` reruns and repeat checks of one item). Zero for a step that never started one.
 */
function attemptsOf(step: ManifestStep, all: readonly RunExecution[]): number {
  if (!step.forEach) return all.length;
  const perItem = new Map<number, number>();
  for (const e of all) if (e.role.role === "item") perItem.set(e.role.index, (perItem.get(e.role.index) ?? 0) + 1);
  return Math.max(0, ...perItem.values());
}

/**
 * Each step's view from what its run recorded (manifest/journal.ts): the state, failure, times, items
 * and output of the step's last record, in plan order, each step of a used pipeline after its uses
 * step and the compensations last, in the order they ran. A step the session never announced (a run
 * that stopped before it) keeps `fromServer`'s view, made from the executions. Attempts are counted
 * from the server's executions.
 */
export function recordedStepViews(
  manifest: RunManifest,
  recorded: RecordedRun,
  executions: readonly RunExecution[],
  runState: RunStateName,
  fromServer: readonly StepView[],
): StepView[] {
  const views: StepView[] = [];
  const shown = new Set<string>();
  const serverView = new Map(fromServer.map((v) => [v.id, v]));
  const others = [...recorded.steps.values()].filter((r) => !manifest.steps.some((s) => s.id === r.id));
  for (const step of manifest.steps) {
    const record = recorded.steps.get(step.id);
    const server = serverView.get(step.id);
    if (!record) {
      if (server) views.push(server);
      continue;
    }
    if (record.status === "running" && runState !== "in progress" && server) {
      // Left running when the run's nxrun stopped: its record stops there, the server knows how its
      // executions went on (an item in flight at a kill may have completed since).
      views.push({ ...server, state: server.state === "completed" ? "completed" : "interrupted" });
      continue;
    }
    const subs = others.filter(
      (sub) => sub.section !== "compensate" && (sub.id.startsWith(`${step.id}.`) || sub.id.startsWith(`${step.id}[`)),
    );
    const undone = itemsUndoneOnServer(record, step, executions);
    const own = withCompensating(
      recordView(undone.record, step.attempt, runState, server?.attempts ?? 0),
      undone.compensating,
    );
    // A uses step runs no execution of its own: its executions are its sub-steps' current ones.
    const view =
      own.executions.length === 0 && subs.length > 0 ? { ...own, executions: subs.flatMap(executionIdsOf) } : own;
    views.push(
      step.forEach && server?.itemCount !== undefined && view.itemCount === undefined
        ? { ...view, itemCount: server.itemCount }
        : view,
    );
    for (const sub of subs) {
      views.push(recordView(sub, 1, runState, countOf(sub, executions)));
      shown.add(sub.id);
    }
  }
  for (const record of others) {
    if (shown.has(record.id)) continue;
    if (record.section === "compensate" && record.status === "running" && runState !== "in progress") {
      views.push(undoLeftRunning(record, runState, executions));
      continue;
    }
    views.push(recordView(record, 1, runState, countOf(record, executions)));
  }
  // Compensations the server has that the record lacks (a session killed before its journal got them).
  const recordedIds = new Set(views.map((v) => v.id));
  for (const row of fromServer) if (row.section === "compensate" && !recordedIds.has(row.id)) views.push(row);
  return views;
}

/**
 * A forEach step's record with each completed item whose compensation the server has marked by it
 * (`compensated`, `compensationFailed`), and how many items' compensations still run
 * (`compensating`): a session killed mid-rollback recorded none of them, the server's went on. The
 * step is `compensated` once all its completed items are, `compensationFailed` when any undo failed.
 */
function itemsUndoneOnServer(
  record: StepRecord,
  step: ManifestStep,
  executions: readonly RunExecution[],
): { record: StepRecord; compensating: number } {
  if (!step.forEach || record.items === undefined) {
    // A single step: compensated (or not) once its compensation closed on the server.
    const status = stateAfterUndo(record.status, undoOnServer(executions, step.id, step.attempt));
    return { record: status === record.status ? record : { ...record, status }, compensating: 0 };
  }
  const undo = new Map<number, ExecutionStatus>();
  for (const e of latestPerId(executions)) {
    const role = e.role;
    if (
      role.role === "compensation" &&
      role.stepId === step.id &&
      role.attempt === step.attempt &&
      role.index !== undefined
    )
      undo.set(role.index, e.status);
  }
  if (undo.size === 0) return { record, compensating: 0 };
  let compensating = 0;
  const items = record.items.map((item) => {
    const status = undo.get(item.index);
    if (item.status !== "completed" || status === undefined) return item;
    if (status === "running" || status === "paused") {
      compensating++;
      return item;
    }
    return { ...item, status: (status === "completed" ? "compensated" : "compensationFailed") as StepStatus };
  });
  const done = items.filter((i) => i.status === "completed" || isUndoneStatus(i.status));
  const state: StepStatus =
    record.status !== "completed"
      ? record.status
      : done.some((i) => i.status === "compensationFailed")
        ? "compensationFailed"
        : done.length > 0 && done.every((i) => i.status === "compensated")
          ? "compensated"
          : record.status;
  return { record: { ...record, status: state, items }, compensating };
}

const isUndoneStatus = (status: StepStatus) => status === "compensated" || status === "compensationFailed";

/** A view's item counts with `n` of its completed items shown `compensating`. */
function withCompensating(view: StepView, n: number): StepView {
  if (n === 0 || view.items === undefined) return view;
  const items = { ...view.items, completed: (view.items.completed ?? 0) - n, compensating: n };
  if (items.completed === 0) delete (items as Record<string, number>).completed;
  return { ...view, items };
}

/**
 * A compensation left running by a session that stopped: its items as the server has them now
 * (their executions went on), `compensating` while any runs (so it reads as an undo in flight, not
 * a step), else `completed`, `failed`, or `interrupted` when some item's compensation never started.
 */
function undoLeftRunning(record: StepRecord, runState: RunStateName, executions: readonly RunExecution[]): StepView {
  const byId = new Map(latestPerId(executions).map((e) => [e.id, e]));
  const items = (record.items ?? []).map((item) => {
    const now = item.execution ? byId.get(item.execution.executionId) : undefined;
    if (now === undefined) return { ...item, status: "pending" as StepStatus };
    const status: StepStatus =
      now.status === "completed"
        ? "completed"
        : now.status === "running" || now.status === "paused"
          ? "compensating"
          : "failed";
    return { ...item, status };
  });
  const single = record.execution ? byId.get(record.execution.executionId) : undefined;
  const statuses: string[] = record.items === undefined ? (single ? [single.status] : []) : items.map((i) => i.status);
  const inFlight = new Set(["running", "paused", "compensating"]);
  const running = statuses.some((st) => inFlight.has(st));
  const failed = statuses.some((st) => st !== "completed" && st !== "pending" && !inFlight.has(st));
  const all = statuses.length > 0 && statuses.every((st) => st === "completed");
  const view = recordView({ ...record, items }, 1, runState, countOf(record, executions));
  const state: StepState = running ? "compensating" : failed ? "failed" : all ? "completed" : "interrupted";
  return { ...view, state };
}

/** States of a step that completed, whether or not the rollback undid it since. */
const PRODUCED: ReadonlySet<StepState> = new Set(["completed", "compensated", "compensationFailed"]);

/** A step's view from its record. */
function recordView(record: StepRecord, attempt: number, runState: RunStateName, attempts: number): StepView {
  const ended = runState === "completed" || runState === "failed" || runState === "canceled";
  const state: StepState =
    record.status === "pending"
      ? ended
        ? "skipped"
        : "not started"
      : record.status === "running" && runState !== "in progress"
        ? "interrupted"
        : record.status;
  const items = record.items === undefined ? undefined : countBy(record.items.filter((i) => i.status !== "pending"));
  const first = record.startedAt === undefined ? undefined : Date.parse(record.startedAt);
  const last = record.closedAt === undefined ? undefined : Date.parse(record.closedAt);
  return {
    id: record.id,
    section: record.section,
    kind: record.kind,
    ...(record.parent === undefined ? {} : { parent: record.parent }),
    attempt,
    state,
    attempts,
    ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }),
    ...(record.closedAt === undefined ? {} : { closedAt: record.closedAt }),
    ...(first !== undefined && last !== undefined ? { durationMs: last - first } : {}),
    ...(record.error ? { failure: describeErrorChain(record.error).replaceAll(/\s*\n\s*/g, " ") } : {}),
    ...(items === undefined ? {} : { items, itemCount: record.items?.length ?? 0 }),
    // A step undone by the rollback completed first: what it gave (and its compensation read) is shown too.
    ...(PRODUCED.has(state) && record.output !== undefined ? { output: record.output } : {}),
    executions: executionIdsOf(record),
  };
}

function executionIdsOf(record: StepRecord): string[] {
  const ids = record.execution ? [record.execution.executionId] : [];
  for (const item of record.items ?? []) if (item.execution) ids.push(item.execution.executionId);
  return ids;
}

/** Executions the server has of a record's execution IDs (a step of a used pipeline, a compensation). */
function countOf(record: StepRecord, executions: readonly RunExecution[]): number {
  const ids = new Set(executionIdsOf(record));
  return executions.filter((e) => ids.has(e.id)).length;
}

function countBy(entries: ReadonlyArray<{ readonly status: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of entries) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return counts;
}

/** The command that resumes the run, with the connection flags that were given. */
export function resumeCommand(manifest: RunManifest, connection: { address?: string; namespace?: string }): string {
  const parts = ["nxrun", "run", shellWord(manifest.file), "--resume", shellWord(manifest.runId)];
  if (connection.namespace !== undefined) parts.push("--namespace", shellWord(connection.namespace));
  if (connection.address !== undefined) parts.push("--address", shellWord(connection.address));
  return parts.join(" ");
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The whole run: manifest, state and steps. */
export function runView(
  read: Extract<ManifestRead, { found: true }> & { manifest: RunManifest },
  executions: readonly RunExecution[],
  connection: { address?: string; namespace?: string },
  itemCounts: ReadonlyMap<string, number> = new Map(),
  recorded?: RecordedRun,
): RunView {
  const manifest = read.manifest;
  const { state, exitCode } = runStateOf(read);
  const closedAt = read.status !== "running" && read.closeTime ? read.closeTime.toISOString() : undefined;
  const startMs = Date.parse(manifest.started.at);
  return {
    runId: manifest.runId,
    pipeline: manifest.pipeline,
    file: manifest.file,
    state,
    ...(exitCode === undefined ? {} : { exitCode }),
    startedAt: manifest.started.at,
    startedBy: manifest.started.by,
    ...(closedAt === undefined ? {} : { closedAt, durationMs: Date.parse(closedAt) - startMs }),
    inputs: manifest.inputs,
    ...(state === "in progress"
      ? { session: { by: manifest.session.by, pid: manifest.session.pid, at: manifest.session.at } }
      : {}),
    ...(state === "stopped" || state === "failed" || state === "canceled"
      ? { resume: resumeCommand(manifest, connection) }
      : {}),
    steps: recorded
      ? recordedStepViews(manifest, recorded, executions, state, stepViews(manifest, executions, state, itemCounts))
      : stepViews(manifest, executions, state, itemCounts),
  };
}

/** The current attempt of a sub-step by its path (`db@2.x`, `db[1].x` are `db.x` in the manifest). */
function subAttempt(manifest: RunManifest, stepId: string): number {
  return manifest.subAttempts?.[stepId.replace(/@\d+(?=[.[])/g, "").replace(/\[\d+\]/g, "")] ?? 1;
}

/** Whether `stepId` names a step under uses step `usesId` (of its `attempt`, or any when undefined). */
function usesPathOf(stepId: string, usesId: string, attempt?: number): boolean {
  const match = /^([^.[@]+)(?:@(\d+))?[.[]/.exec(stepId);
  if (match?.[1] !== usesId) return false;
  return attempt === undefined || Number(match[2] ?? 1) === attempt;
}

/**
 * How often a uses step ran: the executions of its most-started sub-step (over the step's reruns,
 * `db@2.x`, and the sub-step's own, `db.x@2`), as a forEach's are those of its most-started item.
 * Its sub-steps' executions added up would count the size of the used pipeline instead.
 */
function usesAttempts(all: readonly RunExecution[]): number {
  const perSubStep = new Map<string, number>();
  for (const e of all) {
    const path = `${e.role.stepId.replace(/@\d+(?=[.[])/g, "")}${e.role.role === "item" ? `.${e.role.index}` : ""}`;
    perSubStep.set(path, (perSubStep.get(path) ?? 0) + 1);
  }
  return Math.max(0, ...perSubStep.values());
}

/**
 * A uses step's state from its sub-steps' executions of its current attempt. The manifest does not
 * list a used pipeline's steps, so with all of them closed well the step is completed only when the
 * run completed or a step after it started; before that it is still running (a next sub-step may not
 * have started yet), and in a run that stopped there it was left part-way.
 */
function usesView(
  step: ManifestStep,
  all: readonly RunExecution[],
  nestedNow: readonly RunExecution[],
  runState: RunStateName,
  followed: boolean,
): StepView {
  const current = latestPerId(nestedNow);
  const base = {
    id: step.id,
    section: step.section,
    kind: step.kind,
    attempt: step.attempt,
    attempts: usesAttempts(all),
  };
  const closed = runState === "completed" || runState === "failed" || runState === "canceled";
  if (current.length === 0) return { ...base, state: closed ? "skipped" : "not started", executions: [] };
  const running = current.some((e) => e.status === "running" || e.status === "paused");
  const failed = current.filter((e) => CLOSED_FAILED.has(e.status));
  const done = runState === "completed" || followed;
  const state: StepState = running
    ? "running"
    : failed.length > 0
      ? "failed"
      : done
        ? "completed"
        : runState === "in progress"
          ? "running"
          : "failed";
  const starts = current.map((e) => e.startTime?.getTime()).filter((t): t is number => t !== undefined);
  const closes = current.map((e) => e.closeTime?.getTime()).filter((t): t is number => t !== undefined);
  const first = starts.length > 0 ? Math.min(...starts) : undefined;
  const last = state !== "running" && closes.length > 0 ? Math.max(...closes) : undefined;
  const failure =
    failed.find((e) => e.failureMessage)?.failureMessage ??
    (state === "failed" ? "the run stopped inside its sub-pipeline" : undefined);
  return {
    ...base,
    state,
    ...timesOf(first, last),
    ...(failure === undefined ? {} : { failure }),
    executions: current.map((e) => e.id),
  };
}
