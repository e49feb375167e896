/**
 * The state of one run shared by the scheduler and the step runners: records, the scope that
 * expressions see, the run-wide slots, the executions in flight, and the run's cancellation.
 */
import { setMaxListeners } from "node:events";
import { secretNeedles } from "../base/mask-secrets.js";
import { ServerError } from "../base/user-error.js";
import type { ConfirmCaller } from "../pipeline/confirm-approval.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope, StepView } from "../pipeline/expr/scope.js";
import type { CancellationType, Pipeline, Step } from "../pipeline/model.js";
import { UnreadablePayloadError } from "../temporal/payloads.js";
import type { TemporalClient } from "../temporal/types.js";
import { type Clock, realClock } from "./clock.js";
import { Slots } from "./concurrency-limit.js";
import type { CancelEvent, Reporter, RunStatus, StepError, StepRecord } from "./events.js";
import type { ExecutionContext } from "./execution.js";
import { stepKey } from "./execution-ids.js";
import { Follower } from "./follow/follower.js";
import { InFlight } from "./in-flight.js";
import type { NotRun, ReadBack } from "./read-back.js";
import type { Evaluate, StartHeaders } from "./run-options.js";

export type CancelReason = CancelEvent["reason"];

/** What a second Ctrl-C did, as the run's error says it. */
export const INTERRUPTED_TWICE = "interrupted twice: the second Ctrl-C terminated the executions nxrun was waiting on";

/** What each cancellation type does, as the cancelling event tells it. */
export function cancellationAction(type: CancellationType): string {
  switch (type) {
    case "abandon":
      return "abandoning (the execution keeps running)";
    case "tryCancel":
      return "requesting cancellation";
    case "waitRequested":
      return "requesting cancellation, waiting until it reaches the execution";
    case "waitCompleted":
      return "requesting cancellation, waiting for the execution to close";
    default: {
      const never: never = type;
      return String(never);
    }
  }
}

/** A sub-pipeline's run (uses:) inside its caller's. */
export interface SubRun {
  readonly parent: RunContext;
  /** Put before its steps' IDs in records and events: `db.` or `db[2].`. */
  readonly recordPrefix: string;
  /** The record ID of the uses step, set as each nested record's `parent`. */
  readonly parentRecordId: string;
  /** Set when the sub-pipeline is one forEach item of its uses step: that step's ID and the item's index. */
  readonly item?: { readonly stepId: string; readonly index: number };
  /** The uses step has onError: continue: a failure inside it was a result (see keepsFailure). */
  readonly continueOnError: boolean;
  /** The uses step is read back, not rerun (`--from`, read-back.ts): so is every step inside it. */
  readonly readBackAll?: boolean;
}

/**
 * Runs one section of a pipeline (src/engine/scheduler.ts). Held by the context so a sub-pipeline
 * (uses:) can run its sections without the step runner importing the scheduler that imports it.
 */
export type SectionRunner = (ctx: RunContext, steps: readonly Step[], signal: AbortSignal) => Promise<void>;

/** A forEach step's items that completed, in the order they did, and the list they came from. */
export interface ItemCompletions {
  readonly order: readonly number[];
  readonly values: readonly unknown[];
}

/**
 * A completed step (or a forEach step with completed items, whatever its own end), in completion
 * order: the context it ran in (a sub-pipeline's or the run's), its ID, and for a forEach its items.
 */
export interface Completion {
  readonly ctx: RunContext;
  readonly stepId: string;
  readonly items?: ItemCompletions;
}

/** A run's (or sub-pipeline's) status from why it was cancelled, or from whether anything failed. */
export function runStatusOf(ctx: RunContext, sofar: RunStatus = "completed"): RunStatus {
  switch (ctx.cancelledBecause) {
    case "signal":
    case "remote":
      return "canceled";
    case "timeout":
      return "timedOut";
    case "failure":
      return "failed";
    case undefined:
      return ctx.failure !== undefined || sofar === "failed" ? "failed" : "completed";
    default: {
      const never: never = ctx.cancelledBecause;
      throw new Error(`unknown cancel reason ${String(never)}`);
    }
  }
}

export class RunContext implements ExecutionContext {
  /** This pipeline's step records by step ID. */
  readonly records = new Map<string, StepRecord>();
  /** Every record in the order the run record lists them (plan order, then compensations); the run's, shared by sub-pipelines. */
  readonly recordList: StepRecord[];
  /** Steps completed, the run's and its sub-pipelines' together: compensation undoes them in reverse. */
  readonly completionOrder: Completion[];
  readonly slots: Slots;
  readonly inFlight: InFlight;
  readonly follower: Follower | undefined;
  /** `db.` for the steps of a sub-pipeline run by step db; "" for the run's own. */
  readonly recordPrefix: string;
  readonly parentRecordId: string | undefined;
  readonly stepsById = new Map<string, Step>();
  vars: Record<string, unknown> = {};
  /** Set for `finally` steps: the run's status so far. */
  runStatus: RunStatus | undefined;
  /** The first failure that decided the run's fate. */
  failure: StepError | undefined;
  /** A server or configuration error (a UserError) that ends the run; rethrown by runPipeline. */
  fatal: unknown;
  /** Set by runPipeline; a sub-pipeline's context takes its caller's. */
  runSection: SectionRunner;
  /** An earlier session of the run existed (set by runPipeline; a sub-pipeline's context takes its caller's). */
  resumed: boolean;
  /** Inside a uses step with onError: continue (at any depth): its steps' failures were results. */
  readonly insideContinue: boolean;
  /** What `--from` reads back (set by runPipeline on the run's own context; read-back.ts). */
  readBack: ReadBack | undefined = undefined;
  /** The steps not run because `--from` only reads them back (record IDs); the run's, shared by sub-pipelines. */
  readonly notRun: NotRun[];
  /** Secret values of the pipelines the run uses (uses:), by file; read by the caller with the run's own. */
  usedSecrets: ReadonlyMap<string, Record<string, string>> = new Map();
  /** Set by runPipeline; a sub-pipeline's context takes its caller's. */
  clock: Clock = realClock;
  /** Set by runPipeline (RunOptions.startHeaders); a sub-pipeline's context takes its caller's. */
  startHeaders: StartHeaders | undefined;
  /** Set by runPipeline (RunOptions.confirmCaller); a sub-pipeline's context takes its caller's. */
  confirmCaller: ConfirmCaller = "library";
  private readonly cancelController = new AbortController();
  private reason: CancelReason | undefined;
  private readonly stepViews: Record<string, StepView> = {};
  private needles: readonly string[] | undefined;

  constructor(
    readonly pipeline: Pipeline,
    readonly client: TemporalClient,
    readonly runId: string,
    readonly startedAt: string,
    readonly inputs: Record<string, unknown>,
    readonly secrets: Record<string, string>,
    readonly reporter: Reporter,
    readonly evaluator: Evaluate,
    concurrency: number,
    readonly yes: boolean,
    private readonly attempts: ReadonlyMap<string, number> = new Map(),
    describeRate = 0,
    readonly sub?: SubRun,
  ) {
    // A sub-pipeline shares the run's limit, its executions in flight (a second Ctrl-C terminates
    // them too), its follower, its record list and its completion order.
    this.follower = sub
      ? sub.parent.follower
      : describeRate > 0
        ? new Follower(client, { perSecond: describeRate })
        : undefined;
    this.slots = sub ? sub.parent.slots : new Slots(concurrency);
    // Every in-flight execution listens on this signal; that is by design, not a leak.
    setMaxListeners(0, this.cancelController.signal);
    this.inFlight = sub ? sub.parent.inFlight : new InFlight(client);
    this.recordList = sub ? sub.parent.recordList : [];
    this.completionOrder = sub ? sub.parent.completionOrder : [];
    this.notRun = sub ? sub.parent.notRun : [];
    this.recordPrefix = sub ? sub.recordPrefix : "";
    if (sub) {
      this.clock = sub.parent.clock;
      this.startHeaders = sub.parent.startHeaders;
      this.confirmCaller = sub.parent.confirmCaller;
    }
    this.parentRecordId = sub?.parentRecordId;
    this.resumed = sub?.parent.resumed ?? false;
    this.readBack = sub?.parent.readBack;
    this.insideContinue = sub ? sub.parent.insideContinue || sub.continueOnError : false;
    this.runSection = sub
      ? sub.parent.runSection
      : () => Promise.reject(new Error("bug: RunContext.runSection was not set by runPipeline"));
    for (const step of [...pipeline.steps, ...pipeline.finally]) this.stepsById.set(step.id, step);
  }

  /**
   * On a resume, whether an execution of `step` that ended failed by itself in an earlier session is
   * its outcome, read back, not started again: the step has onError: continue, or it sits inside a
   * uses step that has (the uses step's failure was tolerated, so it is done, and so are its steps).
   */
  keepsFailure(step: Step): boolean {
    return step.onError === "continue" || this.insideContinue;
  }

  /** Whether `step` is only read back, never started (`--from`; src/engine/read-back.ts). */
  readsBackOnly(step: Step): boolean {
    if (this.sub) return this.sub.readBackAll === true;
    if (step.section !== "steps" || this.readBack === undefined) return false;
    return this.readBack.upstream.has(step.id) || this.readBack.outside.has(step.id);
  }

  /** The step's part of its execution IDs, attempt included (src/engine/execution-ids.ts). */
  stepKey(stepId: string): string {
    return stepKey(stepId, this.attempts.get(stepId));
  }

  /** The attempts of the steps inside uses step `stepId`'s pipeline (paths `stepId.x` here, `x` there). */
  attemptsUnder(stepId: string): Map<string, number> {
    const prefix = `${stepId}.`;
    const under = new Map<string, number>();
    for (const [path, attempt] of this.attempts)
      if (path.startsWith(prefix)) under.set(path.slice(prefix.length), attempt);
    return under;
  }

  /** Aborts when the run is cancelled (signal, timeout, fail-fast, remote cancel). */
  get cancelSignal(): AbortSignal {
    return this.cancelController.signal;
  }

  get cancelledBecause(): CancelReason | undefined {
    return this.reason;
  }

  /** Cancels the run; the first reason wins. In-flight steps then follow their cancellation type. */
  cancel(reason: CancelReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const steps: CancelEvent["steps"] = [];
    for (const record of this.recordList) {
      const step = this.stepsById.get(record.id);
      if (record.status === "running" && step && record.section === "steps") {
        steps.push({
          stepId: record.id,
          cancellation: step.cancellation,
          action: cancellationAction(step.cancellation),
        });
      }
    }
    // A sub-pipeline is cancelled by its caller's cancel (already reported) or its own failure (reported as the step's).
    if (!this.sub) this.reporter.onCancelling?.({ reason, steps });
    this.cancelController.abort();
  }

  /** Cancels the whole run, from a sub-pipeline too: an execution was cancelled from outside (`nxrun cancel`). */
  cancelFromOutside(): void {
    if (this.sub) this.sub.parent.cancelFromOutside();
    else this.cancel("remote");
  }

  cancelReason(): string {
    const why: Record<CancelReason, string> = {
      signal: this.inFlight.terminating ? INTERRUPTED_TWICE : "interrupted (Ctrl-C / SIGTERM)",
      timeout: "run timeout reached",
      failure: "another step failed",
      remote: "cancelled from outside",
    };
    return `nxrun run ${this.runId}: ${this.reason === undefined ? "cancelled" : why[this.reason]}`;
  }

  /** Adds a record to the run record (and, by its step ID, to `$steps` once the step finishes). */
  addRecord(record: StepRecord, stepId: string = record.id): void {
    this.recordList.push(record);
    if (record.section !== "compensate") this.records.set(stepId, record);
  }

  /** Makes a finished step visible to later expressions as `$steps.<id>`. */
  publish(record: StepRecord, stepId: string = record.id): void {
    const view: StepView = {
      status: record.status,
      ...(record.output === undefined ? {} : { output: record.output }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.execution?.executionId === undefined ? {} : { executionId: record.execution.executionId }),
      ...(record.execution?.runId === undefined ? {} : { runId: record.execution.runId }),
      ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }),
      ...(record.closedAt === undefined ? {} : { closedAt: record.closedAt }),
    };
    this.stepViews[stepId] = view;
  }

  /** The scope expressions see now; `item`/`index` inside forEach. */
  scope(item?: { item: unknown; index: number }): Scope {
    const run = {
      id: this.runId,
      name: this.pipeline.name,
      startedAt: this.startedAt,
      ...(this.runStatus === undefined ? {} : { status: this.runStatus }),
    };
    const scope: Scope = {
      inputs: this.inputs,
      vars: this.vars,
      secrets: this.secrets,
      steps: this.stepViews,
      run,
    };
    return item === undefined ? scope : { ...scope, item: item.item, index: item.index };
  }

  /** Every secret value of the run (its own and its used pipelines'), as secretNeedles; read once usedSecrets is set. */
  get secretNeedles(): readonly string[] {
    if (this.sub) return this.sub.parent.secretNeedles;
    this.needles ??= secretNeedles([
      ...Object.values(this.secrets),
      ...[...this.usedSecrets.values()].flatMap((secrets) => Object.values(secrets)),
    ]);
    return this.needles;
  }

  /** The secret values a used pipeline declared. */
  secretsOf(used: Pipeline): Record<string, string> {
    if (this.sub) return this.sub.parent.secretsOf(used);
    return this.usedSecrets.get(used.file) ?? {};
  }

  /**
   * Remembers a server error (a ServerError: unreachable, refused, feature off, a codec server's
   * trouble) or a payload nxrun cannot read without a codec, so the run ends with it.
   */
  noteFatal(error: unknown): void {
    if ((error instanceof ServerError || error instanceof UnreadablePayloadError) && this.fatal === undefined)
      this.fatal = error;
    this.sub?.parent.noteFatal(error);
  }

  /** Evaluates a compiled value (the evaluator may be sync or async). */
  async evaluate(value: CompiledValue, scope: Scope): Promise<unknown> {
    return await this.evaluator(value, scope);
  }
}
