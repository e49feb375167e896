/**
 * forEach: one execution per item, at most `concurrency` items in flight for the step (and the
 * run-wide limit on top). A fixed pool of workers pulls the next index, so ten thousand items cost
 * ten thousand small records, not ten thousand pending promises or closures.
 */
import { setMaxListeners } from "node:events";
import { placedInStep } from "../pipeline/expression-field.js";
import type { Step, StepCall } from "../pipeline/model.js";
import { forEachItemsOf } from "../pipeline/value-forms.js";
import { buildExecutionSpec, scopeFree, withId } from "./call-spec.js";
import type { ItemRecord, StepError, StepRecord, StepStatus } from "./events.js";
import type { ExecutionSpec } from "./execution.js";
import { type ExecutionResult, runExecution } from "./execution.js";
import { itemExecutionId } from "./execution-ids.js";
import { NotRunError } from "./read-back.js";
import { runRepeated } from "./repeat.js";
import type { ItemCompletions, RunContext } from "./run-context.js";
import { placedError } from "./start-refusal.js";
import { stepErrorFromThrown } from "./step-errors.js";
import { applyProgress, applyResult, countsAsFailure } from "./step-outcome.js";
import { runSubPipeline } from "./sub-pipeline.js";
import { allowedFailures } from "./tolerated-failures.js";

/** The calls a forEach repeats per item. */
type ItemCall = Exclude<StepCall, { kind: "confirm" | "wait" }>;

/**
 * Runs the step's items; gives the items that completed, in the order they did, with the step's
 * list (what a rollback undoes, item by item: compensation.ts). A uses step's items give none: the
 * steps of their sub-pipelines join the run's completion order themselves.
 */
export async function runForEach(
  ctx: RunContext,
  step: Step,
  record: StepRecord,
  signal: AbortSignal,
): Promise<ItemCompletions> {
  const call = step.call;
  if (call.kind === "confirm" || call.kind === "wait" || step.forEach === undefined)
    throw new Error("unreachable: not a forEach call step");
  const values = forEachItemsOf(step.forEach, await ctx.evaluate(step.forEach, ctx.scope()));
  const total = values.length;
  const items = startItems(ctx, step, record, total);
  const running = new ForEachItems(ctx, step, call, values, items, signal);
  await running.shareSpec();
  const workers = Math.max(1, Math.min(step.concurrency ?? ctx.slots.limit, total));
  await runPool(total, workers, running.signal, (index) => running.run(index));
  const { tally } = running;
  if (tally.notRun !== undefined) throw tally.notRun;
  skipPending(ctx, step, items);
  closeRecord(ctx, step, record, items, tally, running.readOnly);
  return { order: tally.completed, values };
}

/** The step's items, all pending, on its record; the step announced as started. */
function startItems(ctx: RunContext, step: Step, record: StepRecord, total: number): ItemRecord[] {
  const items: ItemRecord[] = new Array(total);
  for (let index = 0; index < total; index++) items[index] = { index, status: "pending" };
  record.items = items;
  record.status = "running";
  record.startedAt = new Date().toISOString();
  ctx.reporter.onStepStart?.({ stepId: step.id, record });
  return items;
}

/** `workers` loops that each take the next index until all `total` are taken or `signal` aborts. */
async function runPool(
  total: number,
  workers: number,
  signal: AbortSignal,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const index = next++;
      if (index >= total) return;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/** What the items' outcomes add up to, as they end. */
class Tally {
  failures = 0;
  /** The items counted as failed (a failure status, or canceled by their handler). */
  readonly failed = new Set<ItemRecord>();
  firstFailure: StepError | undefined;
  /** More items failed than the step tolerates. */
  doomed = false;
  reusedItems = 0;
  /** The indexes of the items that completed, in the order they did (a uses step's: none). */
  readonly completed: number[] = [];
  /** The first item that was not there to read back (--from): it stops the step. */
  notRun: NotRunError | undefined;

  constructor(
    readonly allowed: number,
    private readonly onDoomed: () => void,
  ) {}

  countFailure(item: ItemRecord): void {
    this.failures++;
    this.failed.add(item);
    if (this.firstFailure === undefined && item.error)
      this.firstFailure = { ...item.error, message: `item ${item.index}: ${item.error.message}` };
    if (this.failures > this.allowed && !this.doomed) {
      this.doomed = true;
      this.onDoomed();
    }
  }
}

/** The items of one forEach step as they run: each one's lifecycle, and the tally of their outcomes. */
class ForEachItems {
  readonly tally: Tally;
  /** The items' own signal: the run's, and the step's once it is doomed or cannot be read back. */
  readonly signal: AbortSignal;
  // Aborted when the step is doomed under onError: continue, to stop its own in-flight items.
  private readonly stepController = new AbortController();
  /** Read back only (--from, read-back.ts): a failed item is read as it ended, one not there stops the step. */
  readonly readOnly: boolean;
  private shared: ExecutionSpec | undefined;

  constructor(
    private readonly ctx: RunContext,
    private readonly step: Step,
    private readonly call: ItemCall,
    private readonly values: readonly unknown[],
    private readonly items: ItemRecord[],
    runSignal: AbortSignal,
  ) {
    this.signal = AbortSignal.any([runSignal, this.stepController.signal]);
    // One listener per item in flight (bounded by concurrency): by design, not a leak.
    setMaxListeners(0, this.signal);
    // onError: fail cancels the whole run (finishStep does it once the step ends); stop our own
    // items now either way, so a doomed step does not keep starting work.
    this.tally = new Tally(allowedFailures(step.toleratedFailures, values.length), () => this.stepController.abort());
    this.readOnly = ctx.readsBackOnly(step);
  }

  /**
   * A start request that reads nothing of its item is built once for the step (call-spec.ts,
   * scopeFree). When building it throws, each item builds its own and fails with it, as before.
   */
  async shareSpec(): Promise<void> {
    const { ctx, call, step } = this;
    if (call.kind !== "uses" && !step.repeat && scopeFree(step)) {
      this.shared = await buildExecutionSpec(ctx, call, step, ctx.scope(), "").catch(() => undefined);
    }
  }

  async run(index: number): Promise<void> {
    const { ctx, step, call } = this;
    const item = this.items[index] as ItemRecord;
    const id = itemExecutionId(ctx.runId, ctx.stepKey(step.id), index);
    const scope = () => ctx.scope({ item: this.values[index], index });
    if (call.kind === "uses") {
      // One sub-pipeline per item, under `<runId>.<stepId>.<index>`, its records `<stepId>[<index>].<substep>`.
      await this.lifecycle(item, async (announce) => {
        announce();
        const notRunBefore = ctx.notRun.length;
        const result = await runSubPipeline(ctx, step, call, scope(), id, `${step.id}[${index}].`, this.signal, index);
        if (ctx.notRun.length > notRunBefore) throw new NotRunError(id, "a step of it never completed");
        return { ...result, reused: false, remoteCancel: false };
      });
      return;
    }
    if (step.repeat) {
      // Its attempts run by repeat.ts, each attempt announced as a (re)start of the item.
      await this.lifecycle(item, (announce) =>
        runRepeated(ctx, step, call, scope(), id, { record: item, update: announce }, this.signal),
      );
      return;
    }
    let spec: ExecutionSpec;
    try {
      spec = this.shared ? withId(this.shared, id) : await buildExecutionSpec(ctx, call, step, scope(), id);
    } catch (error) {
      // Its input could not be built: it failed without starting (no start or close time).
      item.status = "failed";
      item.error = stepErrorFromThrown(placedInStep(error, step));
      ctx.reporter.onItemEnd?.({ stepId: step.id, item });
      this.tally.countFailure(item);
      return;
    }
    if (!(await ctx.slots.acquire(this.signal))) return;
    try {
      await this.lifecycle(item, (announce) => this.execute(item, spec, id, announce));
    } finally {
      ctx.slots.release();
    }
  }

  /** The item's one execution, its progress reported as the item's. */
  private execute(item: ItemRecord, spec: ExecutionSpec, id: string, announce: () => void) {
    const { ctx, step, readOnly } = this;
    item.execution = { kind: spec.kind, executionId: id };
    announce();
    return runExecution(ctx, spec, step.cancellation, this.signal, {
      keepFailure: ctx.keepsFailure(step) || readOnly,
      readOnly,
      onStarted: (runId) => {
        if (item.execution) item.execution.runId = runId;
      },
      follow: {
        item: true,
        onProgress: (progress) => {
          applyProgress(item, progress);
          if (item.execution)
            ctx.reporter.onProgress?.({
              stepId: step.id,
              section: step.section,
              index: item.index,
              execution: item.execution,
              progress,
            });
        },
      },
    });
  }

  /**
   * The one item lifecycle: marked running, run by `body` (which announces the start when it really
   * starts), then its outcome kept, closed, reported and counted. `body` gives undefined when the run
   * was cancelled before the item could start: it stays pending (skipped at the end).
   */
  private async lifecycle(
    item: ItemRecord,
    body: (announce: () => void) => Promise<ExecutionResult | undefined>,
  ): Promise<void> {
    const { ctx, step, tally } = this;
    item.status = "running";
    item.startedAt = new Date().toISOString();
    try {
      const result = await body(() => ctx.reporter.onItemStart?.({ stepId: step.id, item }));
      if (result === undefined) {
        item.status = "pending";
        return;
      }
      applyResult(item, result);
      if (result.status === "completed" && this.call.kind !== "uses") tally.completed.push(item.index);
      if (result.reused) tally.reusedItems++;
      if (result.remoteCancel) ctx.cancelFromOutside();
    } catch (error) {
      if (error instanceof NotRunError) {
        tally.notRun ??= error;
        item.status = "pending";
        this.stepController.abort();
        return;
      }
      item.status = "failed";
      const placed = placedError(error, step);
      item.error = stepErrorFromThrown(placed);
      ctx.noteFatal(placed);
    }
    item.closedAt = new Date().toISOString();
    ctx.reporter.onItemEnd?.({ stepId: step.id, item });
    // An item the second Ctrl-C terminated did not fail: the interrupt ended it (as finishStep has it).
    const ended = item.status as StepStatus;
    const byInterrupt = ended === "terminated" && ctx.inFlight.terminating;
    if (countsAsFailure(ended, this.signal.aborted) && !byInterrupt) tally.countFailure(item);
  }
}

/** The items that never started are skipped, each reported. */
function skipPending(ctx: RunContext, step: Step, items: readonly ItemRecord[]): void {
  for (const item of items) {
    if (item.status !== "pending") continue;
    item.status = "skipped";
    ctx.reporter.onItemEnd?.({ stepId: step.id, item });
  }
}

/** The step's own end from its items': failed past its tolerance, cancelled, or completed; its output. */
function closeRecord(
  ctx: RunContext,
  step: Step,
  record: StepRecord,
  items: readonly ItemRecord[],
  tally: Tally,
  readOnly: boolean,
): void {
  const total = items.length;
  const allCompleted = items.every((item) => item.status === "completed" || tally.failed.has(item));
  // On resume, a forEach whose every item was found on the server was reused as a whole.
  if (total > 0 && tally.reusedItems === total) record.reused = true;
  if (tally.doomed) {
    record.status = "failed";
    record.error = {
      message: `${tally.failures} of ${total} items failed (${tally.allowed} tolerated)`,
      type: "ForEachFailed",
      ...(tally.firstFailure === undefined ? {} : { cause: tally.firstFailure }),
    };
  } else if (!allCompleted) {
    record.status = step.cancellation === "abandon" ? "abandoned" : "canceled";
  } else {
    record.status = "completed";
  }
  // Read back as it ended: done when it completed, or failed where onError: continue held that.
  if (readOnly && record.status !== "completed" && !(record.status === "failed" && ctx.keepsFailure(step)))
    throw new NotRunError(record.id, `it ended ${record.status}`);
  if (record.status === "completed" || record.status === "failed") {
    // Outputs stay aligned with the input: a tolerated failure leaves a null in its place, except a
    // repeat item that failed by its limit or timeout, which keeps its last check's output (as
    // `$steps.<id>.output` of a repeat step does: docs/language.md, "repeat").
    record.output = items.map((item) =>
      item.status === "completed" || tally.failed.has(item) ? (item.output ?? null) : null,
    );
  }
}
