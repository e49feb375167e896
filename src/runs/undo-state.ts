/**
 * A run's compensations as the server has them, by their deterministic execution IDs
 * (`<run>.<step>.compensate`, `<run>.<step>.<index>.compensate`; src/engine/execution-ids.ts): for
 * `status` and `watch` of a run whose record lacks them (a run that kept no journal, such as a
 * library run, or one killed before its journal got them). Pure: run-state.ts shows what it finds.
 */
import type { StepStatus } from "../engine/events.js";
import type { ExecutionStatus } from "../temporal/types.js";
import { latestPerId, timesOf } from "./execution-times.js";
import type { RunExecution } from "./run-executions.js";

/** How the undo of one step attempt (or of one forEach item of it) stands on the server. */
export type UndoStatus = "compensated" | "compensationFailed" | "compensating";

const undoStatusOf = (status: ExecutionStatus): UndoStatus =>
  status === "completed"
    ? "compensated"
    : status === "running" || status === "paused"
      ? "compensating"
      : "compensationFailed";

/**
 * The undo of step `stepId`'s `attempt` on the server: of the step itself (`step`) and of each
 * forEach item by index (`items`); both empty when the server has no compensation of it.
 */
export function undoOnServer(
  executions: readonly RunExecution[],
  stepId: string,
  attempt: number,
): { step?: UndoStatus; items: Map<number, UndoStatus> } {
  const items = new Map<number, UndoStatus>();
  let step: UndoStatus | undefined;
  for (const e of latestPerId(executions)) {
    const role = e.role;
    if (role.role !== "compensation" || role.stepId !== stepId || role.attempt !== attempt) continue;
    if (role.index === undefined) step = undoStatusOf(e.status);
    else items.set(role.index, undoStatusOf(e.status));
  }
  return { ...(step === undefined ? {} : { step }), items };
}

/**
 * A step's own state once its undo is counted: a completed step whose compensation completed is
 * `compensated`, one whose compensation failed `compensationFailed`; a forEach is `compensated` once
 * every completed item is (`undone`: its items' states after the undo), any failed undo makes it
 * `compensationFailed`. Anything else keeps `state`.
 */
export function stateAfterUndo<S extends string>(
  state: S,
  undo: { step?: UndoStatus },
  undone?: ReadonlyArray<string>,
): S | "compensated" | "compensationFailed" {
  if (state !== "completed") return state;
  if (undone === undefined) {
    if (undo.step === "compensated" || undo.step === "compensationFailed") return undo.step;
    return state;
  }
  const done = undone.filter((s) => s === "completed" || s === "compensated" || s === "compensationFailed");
  if (done.includes("compensationFailed")) return "compensationFailed";
  if (done.length > 0 && done.every((s) => s === "compensated")) return "compensated";
  return state;
}

/** A row of the compensations table, as run-state.ts's StepView has it (its fields that differ). */
export interface UndoRow {
  readonly id: string;
  readonly parent?: string;
  readonly kind: RunExecution["kind"];
  readonly state: Exclude<StepStatus, "pending">;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly closedAt?: string;
  readonly durationMs?: number;
  readonly failure?: string;
  readonly items?: Record<string, number>;
  readonly executions: readonly string[];
}

/**
 * The compensations the server has, one row per step attempt undone (its forEach items' counted in
 * it), in the order they started, labelled as the run labels them (src/engine/compensation.ts): by
 * the key of the attempt undone, `<step>.compensate`, `<step>@2.compensate`, a used pipeline's step
 * by its path (`db@2.createDb.compensate`, `dbs[1].createDb.compensate`, under `db`, `dbs`). A
 * compensation still running once the run stopped is `compensating`.
 */
export function undoRowsOnServer(executions: readonly RunExecution[], runInProgress: boolean): UndoRow[] {
  const groups = new Map<string, { parent?: string; all: RunExecution[] }>();
  for (const e of executions) {
    const role = e.role;
    if (role.role !== "compensation") continue;
    const id = `${role.attempt > 1 ? `${role.stepId}@${role.attempt}` : role.stepId}.compensate`;
    // The uses step's record ID: its path without attempts or item index (`db`, `dbs`).
    const path = role.stepId.replace(/@\d+(?=[.[])/g, "");
    const dot = path.lastIndexOf(".");
    const parent = dot < 0 ? undefined : path.slice(0, dot).replace(/\[\d+\]$/, "");
    const group = groups.get(id) ?? { ...(parent === undefined ? {} : { parent }), all: [] };
    group.all.push(e);
    groups.set(id, group);
  }
  const rows: UndoRow[] = [];
  for (const [id, { parent, all }] of groups) {
    const latest = latestPerId(all);
    const statuses = latest.map((e) => rowStatus(e.status, runInProgress));
    const inFlight = statuses.find((s) => s === "running" || s === "compensating");
    const failed = statuses.find((s) => s !== "completed" && s !== inFlight);
    const starts = latest.map((e) => e.startTime?.getTime()).filter((t): t is number => t !== undefined);
    const closes = latest.map((e) => e.closeTime?.getTime()).filter((t): t is number => t !== undefined);
    const first = starts.length > 0 ? Math.min(...starts) : undefined;
    const last = inFlight === undefined && closes.length > 0 ? Math.max(...closes) : undefined;
    const failure = latest.find((e) => e.failureMessage !== undefined && e.status !== "completed")?.failureMessage;
    const perItem = latest.some((e) => e.role.role === "compensation" && e.role.index !== undefined);
    const items: Record<string, number> = {};
    if (perItem) for (const s of statuses) items[s] = (items[s] ?? 0) + 1;
    rows.push({
      id,
      ...(parent === undefined ? {} : { parent }),
      kind: latest[0]?.kind ?? "activity",
      state: inFlight ?? failed ?? "completed",
      attempts: all.length,
      ...timesOf(first, last),
      ...(failure === undefined ? {} : { failure }),
      ...(perItem ? { items } : {}),
      executions: latest.map((e) => e.id),
    });
  }
  return rows.sort((a, b) => (a.startedAt ?? "").localeCompare(b.startedAt ?? ""));
}

function rowStatus(status: ExecutionStatus, runInProgress: boolean): Exclude<StepStatus, "pending"> {
  if (status === "running" || status === "paused") return runInProgress ? "running" : "compensating";
  return status;
}
