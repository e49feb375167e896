/**
 * What the engine tells the outside world about a run. Reporters (Ink view, plain lines, NDJSON,
 * run.json, JUnit) implement the optional hooks of `Reporter`; the engine knows nothing of them.
 * `specs/events.schema.json` describes the NDJSON form of these events.
 */
import type { StepStatus } from "../pipeline/expr/scope.js";
import type { CancellationType, StepCall } from "../pipeline/model.js";
import type { ExecutionKind, FailureInfo } from "../temporal/types.js";

// A step's status is defined where expressions see it (`$steps.<id>.status`), the lowest layer that needs it.
export type { StepStatus };

/** What a step does: its call's kind (activity, nexus, confirm, wait). */
export type StepKind = StepCall["kind"];

/**
 * `stopped` is never a run's own end: `nxrun watch` ends so a run whose nxrun stopped part-way (killed),
 * as `nxrun status` calls it (STOPPED_TEXT).
 */
export type RunStatus = "running" | "completed" | "failed" | "canceled" | "timedOut" | "stopped";

/** How `status` and `watch` name a run whose nxrun stopped part-way, in one place. */
export const STOPPED_TEXT = "stopped part-way (its nxrun ended without finishing it)";

/** One execution on Temporal that a step (or one forEach item, or a compensation) owns. */
export interface ExecutionRef {
  kind: ExecutionKind;
  executionId: string;
  runId?: string;
  /** Its page in the Temporal Web UI; added by the reporters when the UI's address is known (src/report/ui-links.ts). */
  uiUrl?: string;
}

/** A repeated step (or forEach item): where its polling is. */
export interface RepeatProgress {
  /** Attempts finished so far (the one in flight not counted). */
  attempt: number;
  limit?: number;
  /** When the next attempt starts (ISO 8601), while waiting between attempts. */
  nextAt?: string;
  /** The output of the last finished attempt. */
  lastOutput?: unknown;
  /** When `timeout` passes (ISO 8601): attempt 1's start on the server plus the timeout. */
  timeoutAt?: string;
}

export interface StepError {
  message: string;
  type?: string;
  nonRetryable?: boolean;
  cause?: StepError;
}

export interface StepRecord {
  id: string;
  section: "steps" | "finally" | "compensate";
  kind: StepKind;
  status: StepStatus;
  /** Single execution steps; forEach steps list theirs in `items`. */
  execution?: ExecutionRef;
  /** The attempt Temporal was on when nxrun last saw it (followed, or described after a failure). */
  attempt?: number;
  /** The last failed attempt's failure, while retrying or after (absent when no attempt failed). */
  lastFailure?: StepError;
  startedAt?: string;
  closedAt?: string;
  output?: unknown;
  error?: StepError;
  /** forEach only, in input order. */
  items?: ItemRecord[];
  /** True when the result was reused from an earlier attempt of this run (resume). */
  reused?: boolean;
  summary?: string;
  /** Wait steps: when the wait ends (ISO 8601), for a countdown. */
  waitUntil?: string;
  /** Repeated steps (not forEach: each item has its own). */
  repeat?: RepeatProgress;
  /** Steps of a sub-pipeline (uses:): the record ID of the uses step they run under. */
  parent?: string;
}

export interface ItemRecord {
  index: number;
  status: StepStatus;
  execution?: ExecutionRef;
  attempt?: number;
  lastFailure?: StepError;
  output?: unknown;
  error?: StepError;
  startedAt?: string;
  closedAt?: string;
  /** Repeated forEach steps: this item's polling. */
  repeat?: RepeatProgress;
}

export interface RunRecord {
  runId: string;
  pipeline: string;
  file: string;
  address: string;
  namespace: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  /** Secrets redacted. */
  inputs: Record<string, unknown>;
  steps: StepRecord[];
  outputs?: Record<string, unknown>;
  error?: StepError;
}

export interface RunStartEvent {
  runId: string;
  pipeline: string;
  file: string;
  address: string;
  namespace: string;
  resumed: boolean;
  /** Steps in plan order with their dependencies, for views that draw the plan. */
  plan: Array<{
    id: string;
    section: "steps" | "finally";
    kind: StepKind;
    dependsOn: string[];
    forEach: boolean;
  }>;
}

export interface StepUpdate {
  stepId: string;
  record: StepRecord;
}

export interface ItemEvent {
  stepId: string;
  item: ItemRecord;
}

export interface CancelEvent {
  reason: "signal" | "timeout" | "failure" | "remote";
  /** What each in-flight step is now doing about it. */
  steps: Array<{ stepId: string; cancellation: CancellationType; action: string }>;
}

export interface ConfirmRequest {
  stepId: string;
  prompt: string;
  /** The reporter answers; the engine waits. */
  answer(approved: boolean): void;
}

/**
 * What a running execution is doing, as nxrun last saw it by following it (Describe long polls).
 * Times are ISO strings; every field is optional (a Describe says what it knows).
 */
export interface ExecutionProgress {
  /** activity: scheduled | started | cancelRequested | paused | pauseRequested; Nexus: scheduled | backingOff | started | blocked. */
  state?: string;
  attempt?: number;
  /** The retry policy's bound, when bounded. */
  maximumAttempts?: number;
  lastFailure?: StepError;
  /** Set while waiting between attempts. */
  nextAttemptAt?: string;
  /** Activity: the worker identity that holds (or last held) the task. */
  worker?: string;
  taskQueue?: string;
  /** Scheduled but no worker picked it up yet: since when. */
  waitingSince?: string;
  /** DescribeTaskQueue found no worker polling `taskQueue`. */
  noPoller?: boolean;
  heartbeat?: {
    at?: string;
    /** The decoded details (first payload). */
    details?: unknown;
    /** Details that are not JSON: their size. */
    undecodableBytes?: number;
    timeoutMs?: number;
    /** No heartbeat for longer than the heartbeat timeout. */
    late?: boolean;
  };
  /** Nexus: why it is blocked. */
  blockedReason?: string;
  /** Nexus: started asynchronously with this token. */
  operationToken?: string;
  /** Nexus: delivery of the cancel request. */
  cancellation?: { state?: string; attempt?: number; lastFailure?: StepError; blockedReason?: string };
  /**
   * The server refuses the await's polls for now: busy (rate limit, "Workflow is busy") or no answer
   * in time. nxrun keeps waiting (src/temporal/retry-rule.ts); cleared at the next answer. (An
   * unreachable server is the run's ConnectionEvent instead.)
   */
  server?: { state: "busy" | "noAnswer"; since: string; message?: string };
  /** Worth a person's attention: retrying, backing off, blocked, not started after a few seconds, no poller, late heartbeat. */
  trouble: boolean;
}

export interface ProgressEvent {
  stepId: string;
  section: StepRecord["section"];
  /** forEach items only. */
  index?: number;
  execution: ExecutionRef;
  progress: ExecutionProgress;
}

/** The server stopped answering (calls refused with UNAVAILABLE, or left unanswered), or answers again. */
export interface ConnectionEvent {
  state: "lost" | "reconnected";
  address: string;
  /** When the outage began: its first sign since the last answer (src/temporal/connection-health.ts). */
  since: string;
  message?: string;
}

/** Hooks a reporter may implement. Each is optional; the engine calls them synchronously, in order. */
export interface Reporter {
  onRunStart?(event: RunStartEvent): void;
  onStepStart?(event: StepUpdate): void;
  onStepUpdate?(event: StepUpdate): void;
  onStepEnd?(event: StepUpdate): void;
  onItemStart?(event: ItemEvent): void;
  onItemEnd?(event: ItemEvent): void;
  /** A followed execution changed (attempt, failure, retry timer, heartbeat, worker, Nexus state...). */
  onProgress?(event: ProgressEvent): void;
  onConnection?(event: ConnectionEvent): void;
  onCancelling?(event: CancelEvent): void;
  onTerminating?(event: { executions: ExecutionRef[] }): void;
  /** Confirm gates: a reporter that can ask a person returns true and calls `answer` later. */
  onConfirm?(request: ConfirmRequest): boolean;
  onRunEnd?(record: RunRecord): void;
  /** Reporters that write files flush here; the process exits after. */
  close?(): Promise<void> | void;
}

export type { FailureInfo };
