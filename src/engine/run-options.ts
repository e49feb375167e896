/** What `runPipeline` takes: the client, inputs, and how to behave. */
import type { ConfirmCaller } from "../pipeline/confirm-approval.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { ExecutionKind, TemporalClient } from "../temporal/types.js";
import type { Clock } from "./clock.js";
import type { Reporter } from "./events.js";
import type { ReadBack } from "./read-back.js";

/** Evaluates a compiled value in a scope (src/pipeline/expr/evaluate.ts; injectable for tests). */
export type Evaluate = (value: CompiledValue, scope: Scope) => unknown;

/** An execution about to be started; its ID was announced in a reporter event just before. */
export interface ExecutionStart {
  readonly kind: ExecutionKind;
  readonly executionId: string;
}

/**
 * Extra headers for one start (activity: Temporal header fields; Nexus: Nexus headers, text), added
 * over the step's own; undefined for none. How a tracer hands a worker its span's context without
 * the engine knowing of tracing.
 */
export type StartHeaders = (start: ExecutionStart) => Readonly<Record<string, unknown>> | undefined;

/** A step and its attempt, as one part of an execution key says them (`flush@2`: flush, 2). */
export interface UndoSegment {
  readonly stepId: string;
  readonly attempt: number;
}

/**
 * What an earlier session's rollback set out to undo: the run's own step `stepId` (its attempt
 * `attempt`) with a `compensate`, or, when `inside` is given, a step inside the pipeline uses step
 * `stepId` runs: `inside` goes down through single uses steps to the step undone. A forEach over uses
 * (at the end of the way down, or the run's own) is undone whole: every item's steps;
 * `attemptsInside` are the attempts its steps had then (paths below it: `createDb` -> 2).
 */
export interface EarlierUndo extends UndoSegment {
  readonly inside?: readonly UndoSegment[];
  readonly attemptsInside?: Readonly<Record<string, number>>;
}

/**
 * What earlier sessions' rollbacks set out to undo, and the attempts of the run's steps then (the
 * manifest's, before this session moved them on): the undo reads the outputs its work read.
 */
export interface EarlierUndos {
  readonly undos: readonly EarlierUndo[];
  readonly attempts: ReadonlyMap<string, number>;
}

export interface RunOptions {
  client: TemporalClient;
  /** Validated inputs, defaults applied. */
  inputs: Record<string, unknown>;
  /** Secret values by name (read from the environment by the caller). */
  secrets?: Record<string, string>;
  /** The secret values of each used pipeline (uses:), by its file. */
  usedSecrets?: ReadonlyMap<string, Record<string, string>>;
  reporter?: Reporter;
  /** Aborting cancels the run (Ctrl-C / SIGTERM): in-flight steps follow their cancellation type. */
  signal?: AbortSignal;
  /** Aborting terminates every execution still awaited and ends the run at once (second Ctrl-C). */
  terminateSignal?: AbortSignal;
  /** The run's ID; default `<name>-<utc time>-<random>`. Reusing an ID re-attaches (resume). */
  runId?: string;
  /**
   * True when re-attaching to an earlier run (`--resume`): besides what is reported, a step with
   * onError: continue whose execution ended failed (or canceled by its handler) in an earlier
   * session keeps that outcome instead of starting again.
   */
  resume?: boolean;
  /** Most executions in flight at once; default the pipeline's `concurrency`. */
  concurrency?: number;
  /**
   * Describe calls per second for following executions in flight (attempts, failures, heartbeats,
   * workers); 0 turns following off. Default DEFAULT_DESCRIBE_RATE.
   */
  describeRate?: number;
  /** Approve every confirm step. */
  yes?: boolean;
  /**
   * Who a confirm step nobody answers tells how to approve: a program (`yes: true`, a reporter's
   * onConfirm; the default) or `nxrun run` (its `--yes` flag).
   */
  confirmCaller?: ConfirmCaller;
  /** Run compensations after a failure or cancellation (default true). */
  compensate?: boolean;
  /**
   * Awaited before each step's compensation starts, with the step's execution ID, so a resume can
   * know what was undone (src/engine/compensation.ts, BeforeCompensation).
   */
  beforeCompensation?: (stepExecutionId: string) => Promise<void>;
  /**
   * `--from`: the steps read back, never started (src/engine/read-back.ts). An upstream one not there
   * to read refuses the run (a UserError, nothing started); an outside one is not run, and the run
   * ends failed as not complete, with no compensation.
   */
  readBack?: ReadBack;
  /**
   * What earlier sessions' rollbacks set out to undo (a resume; src/runs/manifest/records.ts): before
   * the steps start, what is left of it is undone (earlier-undo.ts), unless `compensate` is false.
   */
  earlierUndo?: EarlierUndos;
  /** The current attempt of steps rerun with `--from` (execution IDs `<run>.<step>@<n>`); 1 when absent. */
  attempts?: ReadonlyMap<string, number>;
  /**
   * The vars an earlier session of this run computed (a resume): they keep those values, so the run
   * sees one value of each. Vars that read a secret are computed again all the same (vars.ts).
   */
  vars?: Readonly<Record<string, unknown>>;
  /**
   * Called once the vars are computed, before any step starts, with every var that reads no secret,
   * when one of them was computed by this session (not given in `vars`): keep them for a resume.
   * A rejection fails the run before any step starts.
   */
  keepVars?: (vars: Readonly<Record<string, unknown>>) => Promise<void>;
  /** Expression evaluator; default src/pipeline/expr/evaluate.ts. */
  evaluate?: Evaluate;
  /** Called before each start (every attempt, check, item and compensation) for headers to add. */
  startHeaders?: StartHeaders;
  /** Clock, for tests. */
  now?: () => Date;
  /** What waits, repeats and timeouts read and sleep on; default real time (`nxrun test` passes a virtual one). */
  clock?: Clock;
}

/** Describe calls per second when the user sets none (`--describe-rate`). */
export const DEFAULT_DESCRIBE_RATE = 20;
