/**
 * The Ink view's state: a mutable store the reporter updates on every event in O(1) (counts, not
 * lists, for forEach items), read by the view on a timer. So 10,000 item events cost 10,000 counter
 * updates and the same few frames per second as 10 would.
 *
 * Events arrive with secrets masked (redactEvents in src/report/index.ts). Every text the store
 * keeps passes the terminal sanitizer as it comes in (sanitizeTerminalData), so nothing a worker or
 * the server wrote can reach the terminal raw; the run's outputs, drawn as JSON, are sanitized
 * after JSON.stringify in run-view.tsx instead.
 */

import { sanitizeTerminalData as clean, sanitizeTerminalText } from "../../base/terminal-text.js";
import type {
  CancelEvent,
  ConfirmRequest,
  ConnectionEvent,
  ExecutionProgress,
  ExecutionRef,
  ItemRecord,
  ProgressEvent,
  RepeatProgress,
  RunRecord,
  RunStartEvent,
  StepError,
  StepRecord,
  StepStatus,
} from "../../engine/events.js";
import { cutText } from "../cut-text.js";
import { isFailure } from "../format.js";
import { executionUiUrl, type UiLinks } from "../ui-links.js";

/** How many failing items a forEach step remembers for display (the count is always exact). */
export const FAILING_ITEMS_KEPT = 20;

export interface ItemCounts {
  total: number;
  running: number;
  completed: number;
  failed: number;
  /** Skipped, canceled, abandoned. */
  other: number;
  /** Completed, then undone by the run's rollback. */
  compensated: number;
  /** Completed, and the rollback could not undo them. */
  compensationFailed: number;
}

export interface StepView {
  key: string;
  id: string;
  section: StepRecord["section"];
  kind: StepRecord["kind"];
  forEach: boolean;
  dependsOn: readonly string[];
  status: StepStatus;
  execution?: ExecutionRef;
  attempt?: number;
  startedAt?: string;
  closedAt?: string;
  summary?: string;
  error?: StepError;
  reused?: boolean;
  /** Wait steps: when the wait ends, for the countdown. */
  waitUntil?: string;
  /** Steps of a used pipeline: the uses step's record ID; drawn nested under it. */
  parent?: string;
  /** Repeated steps: where the polling is (a forEach's items poll on their own: see `polling`). */
  repeat?: RepeatProgress;
  /** A repeated forEach: how many items in flight are polling, and the one furthest into its checks. */
  polling?: { count: number; furthest: { index: number; repeat: RepeatProgress } };
  items?: ItemCounts;
  /** The first failing items, in the order they failed. */
  failingItems: Array<{ index: number; error?: StepError; uiUrl?: string }>;
  /** The execution's page in the Temporal Web UI, once its run ID is known. */
  uiUrl?: string;
  /** A single execution: what following last saw of it. */
  progress?: ExecutionProgress;
  /** forEach: how many items in flight are in trouble, and the worst of them. */
  trouble?: { count: number; worst?: { index: number; progress: ExecutionProgress } };
}

export interface ViewState {
  /** Where the run connects, shown until onRunStart. */
  connecting?: { address: string; namespace: string };
  run?: Omit<RunStartEvent, "plan">;
  /** When onRunStart arrived (ms since epoch), for the run's elapsed time. */
  startedAtMs?: number;
  /** Steps in display order: the plan first, then any (compensations) that appear later. */
  steps: StepView[];
  cancel?: CancelEvent;
  terminating?: { executions: ExecutionRef[] };
  /** The confirm prompt; `nudged` once a key that does not answer was pressed. */
  confirm?: { stepId: string; prompt: string; nudged?: boolean };
  /** The connection is lost, or came back (shown for a while). */
  connection?: ConnectionEvent & { receivedAt: number };
  end?: RunRecord;
  /** The terminal shows OSC 8 hyperlinks: execution IDs link to their Web UI pages. */
  hyperlinks?: boolean;
  /** `nxrun watch`: another process runs the run; Ctrl-C here only stops watching. */
  watching?: boolean;
}

/** Holds the view state and a version number that changes whenever the state does. */
export class ViewStore {
  readonly state: ViewState = { steps: [] };
  version = 0;
  private readonly byKey = new Map<string, StepView>();
  private readonly itemStatus = new Map<string, Map<number, StepStatus>>();
  /** forEach items in trouble right now, per step (only items in flight: bounded by concurrency). */
  private readonly itemTrouble = new Map<string, Map<number, ExecutionProgress>>();
  /** Repeated forEach items polling right now, per step (only items in flight: bounded by concurrency). */
  private readonly itemPolling = new Map<string, Map<number, RepeatProgress>>();
  private pendingConfirm: ConfirmRequest | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly links?: UiLinks,
    hyperlinks = false,
  ) {
    if (hyperlinks) this.state.hyperlinks = true;
  }

  /** The confirm request waiting for an answer, if any. */
  get confirmRequest(): ConfirmRequest | undefined {
    return this.pendingConfirm;
  }

  /** The header before the run starts. */
  connecting(header: { address: string; namespace: string }): void {
    this.state.connecting = clean({ ...header });
    this.version++;
  }

  runStart(raw: RunStartEvent): void {
    const { plan, ...run } = clean(raw);
    this.state.run = run;
    this.state.startedAtMs = this.now();
    for (const entry of plan) {
      this.add({
        key: stepKey(entry.section, entry.id),
        id: entry.id,
        section: entry.section,
        kind: entry.kind,
        forEach: entry.forEach,
        dependsOn: entry.dependsOn,
        status: "pending",
        failingItems: [],
      });
    }
    this.version++;
  }

  step(raw: StepRecord, ended: boolean): void {
    // Items and output can be large (10,000 items); the view needs neither copied, only counted.
    const { items, output: _output, ...rest } = raw;
    const record = clean(cutLong(rest));
    const key = stepKey(record.section, record.id);
    let view = this.byKey.get(key);
    if (!view) {
      view = {
        key,
        id: record.id,
        section: record.section,
        kind: record.kind,
        forEach: items !== undefined,
        dependsOn: [],
        status: record.status,
        failingItems: [],
      };
      this.add(view);
    }
    view.status = record.status;
    view.execution = record.execution;
    view.uiUrl = executionUiUrl(this.links, record.execution);
    view.attempt = record.attempt;
    view.startedAt = record.startedAt;
    view.closedAt = record.closedAt;
    view.summary = record.summary;
    view.error = record.error;
    view.reused = record.reused;
    view.waitUntil = record.waitUntil;
    view.repeat = record.repeat;
    view.parent = record.parent;
    if (record.status !== "running") {
      delete view.progress;
      delete view.trouble;
      delete view.polling;
      this.itemTrouble.delete(key);
      this.itemPolling.delete(key);
    }
    if (items !== undefined) {
      view.forEach = true;
      const counts = countsOf(view);
      counts.total = Math.max(counts.total, items.length);
      // The final record is authoritative (items may have ended without an event, e.g. skipped);
      // counting it once at the end is O(n) once, not per event. A rollback changes ended items
      // (compensated) with one update of the step, counted the same way.
      if (ended || record.status === "compensated" || record.status === "compensationFailed") this.recount(view, items);
    }
    if (ended && this.pendingConfirm?.stepId === record.id) this.pendingConfirm = undefined;
    this.syncConfirm();
    this.version++;
  }

  item(stepId: string, raw: ItemRecord): void {
    // A forEach step's items, or a forEach step's compensation's (`<id>.compensate`).
    const view = this.byKey.get(stepKey("steps", stepId)) ?? this.byKey.get(stepKey("compensate", stepId));
    if (!view) return;
    view.forEach = true;
    const counts = countsOf(view);
    let statuses = this.itemStatus.get(view.key);
    if (!statuses) {
      statuses = new Map();
      this.itemStatus.set(view.key, statuses);
    }
    const previous = statuses.get(raw.index);
    const ended = raw.status !== "pending" && raw.status !== "running";
    if (ended && this.itemTrouble.get(view.key)?.delete(raw.index)) this.summarizeTrouble(view);
    if (raw.repeat !== undefined || ended) this.notePolling(view, raw.index, ended ? undefined : raw.repeat);
    if (previous !== undefined) adjust(counts, previous, -1);
    else counts.total = Math.max(counts.total, raw.index + 1);
    statuses.set(raw.index, raw.status);
    adjust(counts, raw.status, 1);
    if (isFailure(raw.status) && view.failingItems.length < FAILING_ITEMS_KEPT) {
      const item = clean(cutLong(raw));
      const uiUrl = executionUiUrl(this.links, item.execution);
      view.failingItems.push({
        index: item.index,
        error: item.error,
        uiUrl,
      });
    }
    this.version++;
  }

  progress(event: ProgressEvent): void {
    // Kept as it came (secrets masked): progress-text.ts sanitizes it as it formats it, after JSON.stringify.
    const view = this.byKey.get(stepKey(event.section, event.stepId));
    if (!view) return;
    if (event.index === undefined) view.progress = event.progress;
    else {
      let trouble = this.itemTrouble.get(view.key);
      if (!trouble) {
        trouble = new Map();
        this.itemTrouble.set(view.key, trouble);
      }
      if (event.progress.trouble) trouble.set(event.index, event.progress);
      else trouble.delete(event.index);
      this.summarizeTrouble(view);
    }
    this.version++;
  }

  connection(event: ConnectionEvent): void {
    this.state.connection = { ...event, receivedAt: this.now() };
    this.version++;
  }

  /** Keeps an item's repeat progress while it polls (a number and the output, sanitized when drawn). */
  private notePolling(view: StepView, index: number, repeat: RepeatProgress | undefined): void {
    let polling = this.itemPolling.get(view.key);
    if (repeat === undefined || repeat.attempt === 0) {
      if (!polling?.delete(index)) return;
    } else {
      if (!polling) {
        polling = new Map();
        this.itemPolling.set(view.key, polling);
      }
      polling.set(index, repeat);
    }
    let furthest: { index: number; repeat: RepeatProgress } | undefined;
    for (const [i, progress] of polling) {
      if (!furthest || progress.attempt > furthest.repeat.attempt) furthest = { index: i, repeat: progress };
    }
    if (furthest) view.polling = { count: polling.size, furthest };
    else delete view.polling;
  }

  private summarizeTrouble(view: StepView): void {
    const trouble = this.itemTrouble.get(view.key);
    if (!trouble || trouble.size === 0) {
      delete view.trouble;
      return;
    }
    let worst: { index: number; progress: ExecutionProgress } | undefined;
    for (const [index, progress] of trouble) {
      if (!worst || severity(progress) > severity(worst.progress)) worst = { index, progress };
    }
    view.trouble = { count: trouble.size, worst };
  }

  cancelling(event: CancelEvent): void {
    this.state.cancel = clean(event);
    this.version++;
  }

  terminating(event: { executions: ExecutionRef[] }): void {
    this.state.terminating = { executions: [...event.executions] };
    this.version++;
  }

  /** Shows the prompt; the view answers through `answer`. */
  confirm(request: ConfirmRequest): void {
    this.pendingConfirm = request;
    this.syncConfirm();
    this.version++;
  }

  /** Answers the pending confirm (once) and hides the prompt. */
  answer(approved: boolean): void {
    const request = this.pendingConfirm;
    if (!request) return;
    this.pendingConfirm = undefined;
    this.syncConfirm();
    this.version++;
    request.answer(approved);
  }

  /** A key that does not answer was pressed: the prompt says which keys do. */
  nudgeConfirm(): void {
    if (!this.state.confirm || this.state.confirm.nudged) return;
    this.state.confirm.nudged = true;
    this.version++;
  }

  /** Hides the prompt without answering (Ctrl-C at the prompt: the engine cancels the step). */
  dismissConfirm(): void {
    this.pendingConfirm = undefined;
    this.syncConfirm();
    this.version++;
  }

  runEnd(record: RunRecord): void {
    const { steps, outputs, ...rest } = record;
    this.state.end = { ...clean(cutLong(rest)), outputs, steps: [] };
    for (const step of steps) this.step(step, true);
    this.pendingConfirm = undefined;
    this.syncConfirm();
    this.version++;
  }

  private syncConfirm(): void {
    const request = this.pendingConfirm;
    if (!request) delete this.state.confirm;
    else if (this.state.confirm?.stepId !== request.stepId) {
      this.state.confirm = { stepId: request.stepId, prompt: sanitizeTerminalText(request.prompt) };
    }
  }

  private add(view: StepView): void {
    this.byKey.set(view.key, view);
    this.state.steps.push(view);
  }

  private recount(view: StepView, items: readonly ItemRecord[]): void {
    const counts = emptyCounts();
    counts.total = items.length;
    const statuses = new Map<number, StepStatus>();
    for (const item of items) {
      statuses.set(item.index, item.status);
      adjust(counts, item.status, 1);
    }
    view.items = counts;
    this.itemStatus.set(view.key, statuses);
    if (view.failingItems.length === 0) {
      for (const item of items) {
        if (view.failingItems.length >= FAILING_ITEMS_KEPT) break;
        if (isFailure(item.status)) {
          const shown = clean(cutLong(item));
          view.failingItems.push({ index: item.index, error: shown.error });
        }
      }
    }
  }
}

/**
 * A record with its worker text (failure messages and causes, summary) cut to the one bound for text
 * on a terminal (src/report/cut-text.ts), before it is sanitized: a megabyte-long message would
 * otherwise be sanitized, laid out and wrapped on every frame. The report keeps the whole text.
 */
function cutLong<T extends { error?: StepError | undefined; summary?: string | undefined }>(record: T): T {
  const cut: T = { ...record };
  if (record.error !== undefined) cut.error = cutError(record.error);
  if (record.summary !== undefined) cut.summary = cutText(record.summary);
  return cut;
}

function cutError(error: StepError, depth = 0): StepError {
  const cut: StepError = { ...error, message: cutText(error.message) };
  if (error.cause !== undefined) {
    if (depth < 20) cut.cause = cutError(error.cause, depth + 1);
    else delete cut.cause;
  }
  return cut;
}

function stepKey(section: string, id: string): string {
  return `${section}:${id}`;
}

function countsOf(view: StepView): ItemCounts {
  if (!view.items) view.items = emptyCounts();
  return view.items;
}

function emptyCounts(): ItemCounts {
  return { total: 0, running: 0, completed: 0, failed: 0, other: 0, compensated: 0, compensationFailed: 0 };
}

function adjust(counts: ItemCounts, status: StepStatus, delta: 1 | -1): void {
  if (isFailure(status)) {
    counts.failed += delta;
    return;
  }
  switch (status) {
    case "pending":
      return;
    case "running":
      counts.running += delta;
      return;
    case "completed":
      counts.completed += delta;
      return;
    case "skipped":
    case "canceled":
    case "abandoned":
    case "interrupted":
    case "compensating":
      counts.other += delta;
      return;
    case "compensated":
      counts.compensated += delta;
      return;
    case "compensationFailed":
      counts.compensationFailed += delta;
      return;
    default: {
      const unknown: never = status;
      throw new Error(`unknown status ${String(unknown)}`);
    }
  }
}

/**
 * How bad an execution's trouble is, for showing the worst forEach item: no poller, blocked or a
 * late heartbeat first, then retrying, then waiting (for a worker, or on a busy server); more
 * attempts is worse.
 */
function severity(progress: ExecutionProgress): number {
  const attempts = Math.min(progress.attempt ?? 1, 999);
  if (progress.noPoller || progress.state === "blocked" || progress.heartbeat?.late) return 3000 + attempts;
  if (progress.nextAttemptAt !== undefined || progress.lastFailure !== undefined) return 2000 + attempts;
  if (progress.waitingSince !== undefined || progress.server !== undefined) return 1000 + attempts;
  return attempts;
}
