/**
 * The contexts an earlier attempt's work is undone in (src/engine/earlier-undo.ts): apart from the
 * run's, so what they read back shows nowhere and adds no record to the run's, with what the undone
 * work read (inputs, vars, `$steps` read back under the attempts it read then, never started).
 */
import type { Pipeline, Step } from "../pipeline/model.js";
import { upstreamOf } from "../pipeline/plan/build-plan.js";
import { withInputs } from "../pipeline/with-inputs.js";
import { RunContext } from "./run-context.js";
import { computeVars } from "./vars.js";

/**
 * A context for the steps of uses step `step`'s pipeline run under `subRunId` (one item's, with
 * `at`), to undo them: its inputs from the step's `with`, its vars, what `undone` reads read back.
 */
export async function usedContext(
  parent: RunContext,
  step: Step,
  subRunId: string,
  attempts: ReadonlyMap<string, number>,
  undone: readonly string[],
  at: { item: unknown; index: number } | undefined,
): Promise<RunContext> {
  if (step.call.kind !== "uses") throw new Error(`bug: ${step.id} is no uses step`);
  const used = step.call.pipeline;
  const evaluated = await parent.evaluate(step.call.with, parent.scope(at));
  const values = (typeof evaluated === "object" && evaluated !== null ? evaluated : {}) as Record<string, unknown>;
  return undoContext(parent, used, {
    runId: subRunId,
    inputs: withInputs(used, values),
    secrets: parent.secretsOf(used),
    attempts,
    reads: undone,
  });
}

/** What a context to undo a pipeline's steps in is made of (undoContext). */
export interface UndoScope {
  readonly runId: string;
  readonly inputs: Record<string, unknown>;
  readonly secrets: Record<string, string>;
  readonly attempts: ReadonlyMap<string, number>;
  /** The steps undone (or holding what is): those upstream of them are read back. */
  readonly reads: readonly string[];
  /** The vars, when known (the run's own); otherwise computed as a used pipeline's are. */
  readonly vars?: Record<string, unknown>;
}

/**
 * A context for `pipeline`'s steps to undo them in, apart from the run's: it shows nothing and adds
 * no record to the run's, reads back (never starts) the steps upstream of `scope.reads` under
 * `scope.attempts`, and its compensations run under the run's limit (runOne is given the run's).
 */
export async function undoContext(parent: RunContext, pipeline: Pipeline, scope: UndoScope): Promise<RunContext> {
  const owner = new RunContext(
    pipeline,
    parent.client,
    scope.runId,
    parent.startedAt,
    scope.inputs,
    scope.secrets,
    {},
    parent.evaluator,
    parent.slots.limit,
    parent.yes,
    scope.attempts,
  );
  // Every secret of the run stays masked in what it starts (masked-metadata.ts).
  owner.usedSecrets =
    pipeline === parent.pipeline
      ? parent.usedSecrets
      : new Map([...parent.usedSecrets, [parent.pipeline.file, parent.secrets]]);
  owner.resumed = true;
  owner.clock = parent.clock;
  owner.startHeaders = parent.startHeaders;
  owner.confirmCaller = parent.confirmCaller;
  owner.runSection = parent.runSection;
  owner.vars = scope.vars ?? (await computeVars(pipeline, owner.scope(), parent.evaluator));
  const reads = new Set<string>();
  for (const id of scope.reads) for (const up of upstreamOf(pipeline, id)) reads.add(up);
  const steps = pipeline.steps.filter((s) => reads.has(s.id));
  if (steps.length > 0) {
    owner.readBack = { from: [], upstream: reads, outside: new Set() };
    for (const s of steps) owner.addRecord({ id: s.id, section: s.section, kind: s.call.kind, status: "pending" });
    await owner.runSection(owner, steps, parent.cancelSignal);
    if (owner.fatal !== undefined) throw owner.fatal;
  }
  return owner;
}
