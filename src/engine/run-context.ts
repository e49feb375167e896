/**
 * The state of one run shared by the scheduler and the step runners: records, the scope that
 * expressions see, the run-wide slots, the executions in flight, and the run's cancellation.
 */
import { setMaxListeners } from "node:events";
import { ServerError } from "../base/user-error.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope, StepView } from "../pipeline/expr/scope.js";
import type { CancellationType, Pipeline, Step } from "../pipeline/model.js";
import type { TemporalClient } from "../temporal/types.js";
import { Slots } from "./concurrency-limit.js";
import type { CancelEvent, Reporter, RunStatus, StepError, StepRecord } from "./events.js";
import type { ExecutionContext } from "./execution.js";
import { stepKey } from "./execution-ids.js";
import { Follower } from "./follow/follower.js";
import { InFlight } from "./in-flight.js";
import type { Evaluate } from "./run-options.js";

export type CancelReason = CancelEvent["reason"];

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

export class RunContext implements ExecutionContext {
  readonly records = new Map<string, StepRecord>();
  /** Every record in the order the run record lists them (plan order, then compensations). */
  readonly recordList: StepRecord[] = [];
  readonly completionOrder: string[] = [];
  readonly slots: Slots;
  readonly inFlight: InFlight;
  readonly follower: Follower | undefined;
  readonly stepsById = new Map<string, Step>();
  vars: Record<string, unknown> = {};
  /** Set for `finally` steps: the run's status so far. */
  runStatus: RunStatus | undefined;
  /** The first failure that decided the run's fate. */
  failure: StepError | undefined;
  /** A server or configuration error (a UserError) that ends the run; rethrown by runPipeline. */
  fatal: unknown;
  private readonly cancelController = new AbortController();
  private reason: CancelReason | undefined;
  private readonly stepViews: Record<string, StepView> = {};

  constructor(
    readonly pipeline: Pipeline,
    readonly client: TemporalClient,
    readonly runId: string,
    readonly startedAt: string,
    readonly inputs: Record<string, unknown>,
    readonly secrets: Record<string, string>,
    readonly reporter: Reporter,
    private readonly evaluator: Evaluate,
    concurrency: number,
    readonly yes: boolean,
    private readonly attempts: ReadonlyMap<string, number> = new Map(),
    describeRate = 0,
  ) {
    this.follower = describeRate > 0 ? new Follower(client, { perSecond: describeRate }) : undefined;
    this.slots = new Slots(concurrency);
    // Every in-flight execution listens on this signal; that is by design, not a leak.
    setMaxListeners(0, this.cancelController.signal);
    this.inFlight = new InFlight(client);
    for (const step of [...pipeline.steps, ...pipeline.finally]) this.stepsById.set(step.id, step);
  }

  /** The step's part of its execution IDs, attempt included (src/engine/execution-ids.ts). */
  stepKey(stepId: string): string {
    return stepKey(stepId, this.attempts.get(stepId));
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
    this.reporter.onCancelling?.({ reason, steps });
    this.cancelController.abort();
  }

  cancelReason(): string {
    const why: Record<CancelReason, string> = {
      signal: "interrupted (Ctrl-C / SIGTERM)",
      timeout: "run timeout reached",
      failure: "another step failed",
      remote: "cancelled from outside",
    };
    return `nxrun run ${this.runId}: ${this.reason === undefined ? "cancelled" : why[this.reason]}`;
  }

  /** Adds a record to the run record (and to `$steps` once the step finishes). */
  addRecord(record: StepRecord): void {
    this.recordList.push(record);
    if (record.section !== "compensate") this.records.set(record.id, record);
  }

  /** Makes a finished step visible to later expressions as `$steps.<id>`. */
  publish(record: StepRecord): void {
    const view: StepView = {
      status: record.status,
      ...(record.output === undefined ? {} : { output: record.output }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.execution?.executionId === undefined ? {} : { executionId: record.execution.executionId }),
      ...(record.execution?.runId === undefined ? {} : { runId: record.execution.runId }),
      ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }),
      ...(record.closedAt === undefined ? {} : { closedAt: record.closedAt }),
    };
    this.stepViews[record.id] = view;
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

  /** Remembers a server error (a ServerError: unreachable, refused, feature off) so the run ends with it. */
  noteFatal(error: unknown): void {
    if (error instanceof ServerError && this.fatal === undefined) this.fatal = error;
  }

  /** Evaluates a compiled value (the evaluator may be sync or async). */
  async evaluate(value: CompiledValue, scope: Scope): Promise<unknown> {
    return await this.evaluator(value, scope);
  }
}
