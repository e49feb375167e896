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

export type RunStatus = "running" | "completed" | "failed" | "canceled" | "timedOut";

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
  attempt?: number;
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
}

export interface ItemRecord {
  index: number;
  status: StepStatus;
  execution?: ExecutionRef;
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

/** Hooks a reporter may implement. Each is optional; the engine calls them synchronously, in order. */
export interface Reporter {
  onRunStart?(event: RunStartEvent): void;
  onStepStart?(event: StepUpdate): void;
  onStepUpdate?(event: StepUpdate): void;
  onStepEnd?(event: StepUpdate): void;
  onItemStart?(event: ItemEvent): void;
  onItemEnd?(event: ItemEvent): void;
  onCancelling?(event: CancelEvent): void;
  onTerminating?(event: { executions: ExecutionRef[] }): void;
  /** Confirm gates: a reporter that can ask a person returns true and calls `answer` later. */
  onConfirm?(request: ConfirmRequest): boolean;
  onRunEnd?(record: RunRecord): void;
  /** Reporters that write files flush here; the process exits after. */
  close?(): Promise<void> | void;
}

export type { FailureInfo };
