/**
 * `--from` reads back the steps its rerun steps depend on and never starts them (src/engine/read-back.ts).
 * One of them that never completed makes the rerun impossible: this finds it before the session
 * opens, so nothing is recorded, nothing starts, and `status` still shows the run's last session.
 * It judges each kind from what the server holds, described by ID (what visibility lists may lag):
 * an activity or Nexus step by its execution, a forEach by its item count record (records.ts) and
 * items, a repeat by its checks and `until`, a wait by its marker, a uses step by its own steps. A
 * confirm step has nothing on the server: it is asked again (or `--yes` approves it). What it cannot
 * judge before the run (a value that reads other steps, a `when` that may have skipped the step, a
 * forEach's tolerated failures) is left to the engine, which refuses the same way once it has read
 * the step back.
 */
import { stepExecutionId, stepKey } from "../../engine/execution-ids.js";
import { type NotRun, upstreamRefusal } from "../../engine/read-back.js";
import { parseWaitTarget } from "../../pipeline/duration.js";
import type { CompiledValue } from "../../pipeline/expr/compiled.js";
import type { Scope } from "../../pipeline/expr/scope.js";
import { isTruthy } from "../../pipeline/expr/truthy.js";
import type { Pipeline, Step } from "../../pipeline/model.js";
import { executionsOf } from "../../temporal/executions-of.js";
import { NotFoundError } from "../../temporal/service-errors.js";
import type { ExecutionDescription, ExecutionKind, TemporalClient } from "../../temporal/types.js";
import { isRecord, itemsRecordId, readRecord } from "./records.js";

/** What the run's values are, for the values a check needs (a wait's duration, a repeat's `until`). */
export interface KnownValues {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
}

/** Refuses (exit 2) when a step of `upstream` never completed: it ended otherwise, or never started. */
export async function refuseUnfinishedUpstream(
  client: TemporalClient,
  pipeline: Pipeline,
  runId: string,
  attempts: ReadonlyMap<string, number>,
  upstream: readonly string[],
  from: readonly string[],
  known: KnownValues = { inputs: {}, vars: {} },
): Promise<void> {
  const check = new UpstreamCheck(client, known, pipeline.name);
  const unfinished: NotRun[] = [];
  for (const id of upstream) {
    const step = pipeline.steps.find((s) => s.id === id);
    if (step === undefined) continue;
    const found = await check.unfinished(step, { runId, attempts, tolerant: false, own: true });
    if (found !== undefined) unfinished.push({ id, found });
  }
  if (unfinished.length > 0) throw upstreamRefusal(pipeline, runId, from, unfinished);
}

/** Where a step is judged: the run's own pipeline or a used one (under `<runId>.<uses step key>`). */
interface Place {
  readonly runId: string;
  readonly attempts: ReadonlyMap<string, number>;
  /** A failure is done: onError: continue on the step or a uses step above it. */
  readonly tolerant: boolean;
  /** The run's own steps: the run's inputs and vars are theirs, and forEach steps have count records. */
  readonly own: boolean;
}

/** Judges steps from the server's records. */
class UpstreamCheck {
  constructor(
    private readonly client: TemporalClient,
    private readonly known: KnownValues,
    private readonly name: string,
  ) {}

  /** What keeps `step` (of the pipeline at `where`) from being read back, or undefined. */
  async unfinished(step: Step, where: Place): Promise<string | undefined> {
    const key = stepKey(step.id, where.attempts.get(step.id));
    const id = stepExecutionId(where.runId, key);
    const place = { ...where, tolerant: where.tolerant || step.onError === "continue" };
    const { call } = step;
    // Nothing of it is kept: it is asked again on the rerun (the run's start checks it can be).
    if (call.kind === "confirm") return undefined;
    if (call.kind === "wait") return this.wait(step, call.wait, id, place);
    if (step.forEach !== undefined) return this.forEach(step, key, place);
    if (call.kind === "uses") {
      const attempts = new Map<string, number>();
      for (const [path, attempt] of where.attempts)
        if (path.startsWith(`${step.id}.`)) attempts.set(path.slice(step.id.length + 1), attempt);
      const inside: Place = { runId: id, attempts, tolerant: place.tolerant, own: false };
      for (const inner of call.pipeline.steps)
        if ((await this.unfinished(inner, inside)) !== undefined) return "a step of it never completed";
      return undefined;
    }
    if (step.repeat) return this.repeat(step, call.kind, id, place);
    return this.single(step, call.kind, id, place.tolerant);
  }

  /** A single execution's state: undefined when it completed (or failed where that is tolerated). */
  private async single(step: Step, kind: ExecutionKind, id: string, tolerant: boolean): Promise<string | undefined> {
    const found = await this.describe(kind, id);
    // Its `when` may have skipped it: the engine evaluates that when it reads the step back.
    if (found === undefined) return step.when === undefined ? "never started" : undefined;
    return endState(found.status, tolerant);
  }

  /** A forEach: each item the count record says it had; with no record, it was never announced. */
  private async forEach(step: Step, key: string, where: Place): Promise<string | undefined> {
    // Only the run's own steps have a count record.
    if (!where.own) return undefined;
    const { runId, tolerant } = where;
    const count = await this.itemCount(runId, step, key);
    const { call } = step;
    const executes = (call.kind === "activity" || call.kind === "nexus") && !step.repeat;
    if (count === undefined) {
      if (step.when !== undefined) return undefined;
      // An item on the server means its count record was lost (it is written at the step's start, best effort).
      if (executes && (await this.describe(call.kind, `${runId}.${key}.0`)) !== undefined) return undefined;
      return "never started";
    }
    // Items of a repeat or a uses step, and failures the step tolerates: the engine judges those.
    if (!executes || step.toleratedFailures !== undefined) return undefined;
    for (let index = 0; index < count; index++) {
      const found = await this.describe(call.kind, `${runId}.${key}.${index}`);
      const state = found === undefined ? "never started" : endState(found.status, tolerant);
      if (state !== undefined) return `${state} (item ${index})`;
    }
    return undefined;
  }

  /** A repeat: its checks in order; done when the last one completed and its `until` held. */
  private async repeat(step: Step, kind: ExecutionKind, id: string, where: Place): Promise<string | undefined> {
    const { tolerant } = where;
    const repeat = step.repeat;
    if (repeat === undefined) return undefined;
    let last: ExecutionDescription | undefined;
    let checks = 0;
    for (;;) {
      const found = await this.describe(kind, `${id}.check-${checks + 1}`);
      if (found === undefined) break;
      last = found;
      checks++;
      if (repeat.limit !== undefined && checks >= repeat.limit) break;
    }
    if (last === undefined) return step.when === undefined ? "never started" : undefined;
    const ended = endState(last.status, tolerant);
    if (ended !== undefined || last.status !== "completed") return ended;
    const output = last.outcome?.status === "completed" ? last.outcome.result : undefined;
    const holds = await this.evaluate(repeat.until, where, { output, attempt: checks });
    if (holds === undefined || isTruthy(holds.value)) return undefined;
    const limitReached = repeat.limit !== undefined && checks >= repeat.limit;
    if (limitReached && tolerant) return undefined;
    return `until was still false after ${checks} check(s)${limitReached ? "" : ", and it stopped there"}`;
  }

  /** A wait for a duration left a marker when it began; a wait until a time never does. */
  private async wait(step: Step, value: CompiledValue, id: string, where: Place): Promise<string | undefined> {
    const evaluated = await this.evaluate(value, where, {});
    if (evaluated === undefined || step.when !== undefined) return undefined;
    const target = parseWaitTarget(evaluated.value);
    if (!("durationMs" in target)) return undefined;
    const marker = await this.describe("activity", id);
    return marker?.startTime === undefined ? "never started" : undefined;
  }

  /** `value` from the run's inputs and vars; undefined when it reads anything else or throws (the engine judges it). */
  private async evaluate(
    value: CompiledValue,
    where: Place,
    extra: Partial<Scope>,
  ): Promise<{ value: unknown } | undefined> {
    if (value.kind === "literal") return { value: value.value };
    // A used pipeline's inputs are its uses step's `with:`, which may read other steps.
    if (!where.own || value.kind !== "expression") return undefined;
    const { references } = value;
    if (references.steps.length > 0 || references.secrets.length > 0 || references.usesRunStatus) return undefined;
    if (references.vars.some((name) => !Object.hasOwn(this.known.vars, name))) return undefined;
    const { evaluate } = await import("../../pipeline/expr/evaluate.js");
    const scope: Scope = {
      inputs: this.known.inputs,
      vars: this.known.vars,
      secrets: {},
      steps: {},
      run: { id: where.runId, name: this.name, startedAt: "" },
      ...extra,
    };
    try {
      return { value: await evaluate(value, scope) };
    } catch {
      return undefined;
    }
  }

  private async itemCount(runId: string, step: Step, key: string): Promise<number | undefined> {
    const attempt = key === step.id ? 1 : Number(key.slice(step.id.length + 1));
    const value = await readRecord(this.client, itemsRecordId(runId, step.id, attempt));
    return isRecord(value) && Number.isInteger(value.items) ? (value.items as number) : undefined;
  }

  private async describe(kind: ExecutionKind, id: string): Promise<ExecutionDescription | undefined> {
    try {
      return await executionsOf(this.client, kind).describe(id);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }
}

/** What an execution's end means for reading it back: undefined when done. */
function endState(status: string, tolerant: boolean): string | undefined {
  if (status === "completed") return undefined;
  if (status === "running" || status === "paused") return "still running";
  if (tolerant && status !== "terminated") return undefined;
  return `it ended ${status === "timedOut" ? "timed out" : status}`;
}
