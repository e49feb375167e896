/**
 * The typed, immutable pipeline model that `src/pipeline/` produces from a YAML file and every later
 * layer (expr, plan, engine, report) reads. Durations are milliseconds; defaults are merged.
 * This file is the contract between the layers: change it deliberately.
 */
import type { SourcePosition } from "../base/source-position.js";
import type { ConnectionDefaults } from "../temporal/connection-config.js";
import type { CompiledValue } from "./expr/compiled.js";

export type CancellationType = "abandon" | "tryCancel" | "waitRequested" | "waitCompleted";
export type OnError = "fail" | "continue";

export interface Timeouts {
  readonly scheduleToClose?: number;
  readonly scheduleToStart?: number;
  readonly startToClose?: number;
  readonly heartbeat?: number;
}

export interface RetryPolicy {
  readonly initialInterval?: number;
  readonly backoffCoefficient?: number;
  readonly maximumInterval?: number;
  readonly maximumAttempts?: number;
  readonly nonRetryableErrorTypes?: readonly string[];
}

export interface Priority {
  readonly priorityKey?: number;
  readonly fairnessKey?: string;
  readonly fairnessWeight?: number;
}

/**
 * Call settings written as `{% %}` expressions, evaluated just before each execution starts (per
 * item in a forEach) and checked for form there (src/pipeline/call-settings.ts). A key here wins
 * over the literal of the same name, which is then absent; a computed `taskQueue` or `endpoint`
 * leaves the call's own field empty ("").
 */
export interface ComputedSettings {
  readonly taskQueue?: CompiledValue;
  readonly endpoint?: CompiledValue;
  readonly timeouts?: Readonly<Partial<Record<keyof Timeouts, CompiledValue>>>;
  readonly retry?: Readonly<Partial<Record<keyof RetryPolicy, CompiledValue>>>;
  readonly priority?: Readonly<Partial<Record<keyof Priority, CompiledValue>>>;
}

/** What a step (or a step's compensation) calls on Temporal. */
export type StepCall =
  | {
      readonly kind: "activity";
      /** Activity type name. */
      readonly activityType: string;
      readonly taskQueue: string;
    }
  | {
      readonly kind: "nexus";
      readonly endpoint: string;
      readonly service: string;
      readonly operation: string;
    }
  | {
      readonly kind: "confirm";
      /** The question; a string expression. */
      readonly prompt: CompiledValue;
    }
  | {
      readonly kind: "wait";
      /** A duration ("5m") or an ISO 8601 time, literal or an expression giving one. */
      readonly wait: CompiledValue;
    }
  | {
      readonly kind: "uses";
      /** Absolute path of the used pipeline file. */
      readonly file: string;
      /** The used pipeline, loaded and checked. */
      readonly pipeline: Pipeline;
      /** Its inputs (`with:`), a mapping of values and expressions. */
      readonly with: CompiledValue;
    };

/** The calls that start an execution on Temporal (not gates such as confirm and wait). */
export type TemporalStepCall = Extract<StepCall, { kind: "activity" | "nexus" }>;

/** Everything a call to Temporal needs beyond what to call. */
export interface CallOptions {
  /** The single argument (activities and Nexus). Absent means no argument / null. */
  readonly input?: CompiledValue;
  /** Activities only: several positional arguments instead of `input`. */
  readonly args?: CompiledValue;
  readonly timeouts: Timeouts;
  readonly retry?: RetryPolicy;
  readonly priority?: Priority;
  /** Shown in the UI and sent as user metadata; may be an expression. */
  readonly summary?: CompiledValue;
  /** Sent as user metadata details (Markdown) beside the summary; may be an expression. */
  readonly details?: CompiledValue;
  /** Temporal headers (Nexus headers for a Nexus call), the defaults' merged under the call's own, by name. */
  readonly headers?: CompiledValue;
  /** Search attributes by name, each `{ <type>: value }` (types: SEARCH_ATTRIBUTE_TYPES), defaults merged in. */
  readonly searchAttributes?: CompiledValue;
  /** Settings computed by expressions (task queue, endpoint, timeouts, retry, priority). */
  readonly computed?: ComputedSettings;
}

export interface Compensation extends CallOptions {
  readonly call: TemporalStepCall;
  readonly position: SourcePosition;
}

/** `repeat:` of an activity or Nexus step: poll until a condition holds. Durations in ms. */
export interface Repeat {
  /** An expression over $output and $attempt. */
  readonly until: CompiledValue;
  readonly every: number;
  /** Most attempts; at least one of limit and timeout is set. */
  readonly limit?: number;
  readonly timeout?: number;
}

export type ToleratedFailures = { readonly count: number } | { readonly percent: number };

export interface Step extends CallOptions {
  readonly id: string;
  /** `steps` run as a DAG; `finally` steps run after, always. */
  readonly section: "steps" | "finally";
  readonly call: StepCall;
  readonly cancellation: CancellationType;
  readonly onError: OnError;
  readonly when?: CompiledValue;
  readonly forEach?: CompiledValue;
  /** forEach concurrency (items in flight for this step). */
  readonly concurrency?: number;
  readonly toleratedFailures?: ToleratedFailures;
  /** Activity and Nexus steps: run again until a condition holds (each forEach item on its own). */
  readonly repeat?: Repeat;
  readonly compensate?: Compensation;
  /** `needs:` as written. */
  readonly needs: readonly string[];
  /** needs + every step referenced by the step's expressions; what the scheduler waits for. */
  readonly dependsOn: readonly string[];
  /** Position of the step's `- id:` mapping. */
  readonly position: SourcePosition;
}

export interface SecretSpec {
  readonly env: string;
  readonly position: SourcePosition;
}

/**
 * The pipeline's `temporal:` block: connection defaults below flags and environment, and the Web
 * UI's address for links to each execution's page (src/report/ui-links.ts).
 */
export type TemporalSettings = ConnectionDefaults & { readonly uiUrl?: string };

export interface Pipeline {
  /** Absolute path of the file it was loaded from. */
  readonly file: string;
  readonly version: 1;
  readonly name: string;
  readonly description?: string;
  readonly temporal: TemporalSettings;
  /** Each input's JSON Schema, as written (with `default` where given). */
  readonly inputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly secrets: Readonly<Record<string, SecretSpec>>;
  /** In file order: a var may use the vars before it. */
  readonly vars: ReadonlyArray<{ readonly name: string; readonly value: CompiledValue }>;
  /** Whole-run timeout, ms. */
  readonly timeout?: number;
  /** Most executions in flight at once for the run. */
  readonly concurrency: number;
  /** In file order. */
  readonly steps: readonly Step[];
  readonly finally: readonly Step[];
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly value: CompiledValue }>;
}

/** The concurrency used when a pipeline sets none. */
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_CANCELLATION: CancellationType = "waitCompleted";
/**
 * When no timeout is given anywhere: Temporal requires scheduleToClose or startToClose of an activity.
 * src/pipeline/build-model.ts fills it in (for steps and compensations alike), so every activity of a
 * loaded Pipeline has one; the engine starts what the model says.
 */
export const DEFAULT_SCHEDULE_TO_CLOSE_MS = 10 * 60_000;
