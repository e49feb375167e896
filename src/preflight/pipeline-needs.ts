/**
 * What a pipeline needs from the server: the task queues its activities use, the Nexus endpoints it
 * names, and the search attributes (with their types) its calls set.
 */
import type { SourcePosition } from "../base/source-position.js";
import { itemsBeforeRun, knownScope, settingsBeforeRun } from "../pipeline/before-run.js";
import { checkBeforeRun } from "../pipeline/before-run-check.js";
import { entriesOf } from "../pipeline/compile-node.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import { Codes } from "../pipeline/diagnostic-codes.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import { evaluate } from "../pipeline/expr/evaluate.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { KnownPayload } from "../pipeline/known-payloads.js";
import type { CallOptions, Pipeline, Step, StepCall } from "../pipeline/model.js";

/** One use of a task queue or endpoint, for a diagnostic at the step (or compensation) that uses it. */
export interface Use {
  readonly stepId: string;
  readonly position: SourcePosition;
}

export interface PipelineNeeds {
  /** Activity task queue → the steps that use it, in file order. */
  readonly taskQueues: ReadonlyMap<string, readonly Use[]>;
  /** Nexus endpoint name → the steps that use it, in file order. */
  readonly endpoints: ReadonlyMap<string, readonly Use[]>;
}

/** A search attribute a call sets, with the type it is written with. */
export interface SearchAttributeUse extends Use {
  readonly type: string;
}

/**
 * Every search attribute the pipeline's calls set (its used pipelines' too), by name. Names and
 * types are never expressions (the schema), so they are all known before the run.
 */
export function searchAttributeNeeds(pipeline: Pipeline): Map<string, SearchAttributeUse[]> {
  const result = new Map<string, SearchAttributeUse[]>();
  const add = (options: CallOptions | undefined, use: Use) => {
    if (options?.searchAttributes === undefined) return;
    for (const [name, typed] of entriesOf(options.searchAttributes)) {
      for (const [type] of entriesOf(typed)) result.set(name, [...(result.get(name) ?? []), { ...use, type }]);
    }
  };
  const addSteps = (p: Pipeline, prefix: string) => {
    for (const step of [...p.steps, ...p.finally]) {
      const stepId = `${prefix}${step.id}`;
      add(step, { stepId, position: step.position });
      if (step.compensate)
        add(step.compensate, { stepId: `${stepId} (compensate)`, position: step.compensate.position });
      if (step.call.kind === "uses") addSteps(step.call.pipeline, `${stepId}.`);
    }
  };
  addSteps(pipeline, "");
  return result;
}

/** Collects every task queue and endpoint of the pipeline's steps, finally steps and compensations. */
export function pipelineNeeds(pipeline: Pipeline): PipelineNeeds {
  const taskQueues = new Map<string, Use[]>();
  const endpoints = new Map<string, Use[]>();
  const add = (call: StepCall, use: Use) => {
    switch (call.kind) {
      case "activity":
        if (call.taskQueue === "") break; // computed: see computedNeeds
        taskQueues.set(call.taskQueue, [...(taskQueues.get(call.taskQueue) ?? []), use]);
        break;
      case "nexus":
        if (call.endpoint === "") break;
        endpoints.set(call.endpoint, [...(endpoints.get(call.endpoint) ?? []), use]);
        break;
      case "uses":
        // A used pipeline's steps need the server as much as the run's own (named `db.createDb`).
        addSteps(call.pipeline, `${use.stepId}.`);
        break;
      case "confirm":
      case "wait":
        break;
      default: {
        const never: never = call;
        throw new Error(`unknown step call ${JSON.stringify(never)}`);
      }
    }
  };
  function addSteps(p: Pipeline, prefix: string): void {
    for (const step of [...p.steps, ...p.finally]) {
      add(step.call, { stepId: `${prefix}${step.id}`, position: step.position });
      if (step.compensate)
        add(step.compensate.call, { stepId: `${prefix}${step.id} (compensate)`, position: step.compensate.position });
    }
  }
  addSteps(pipeline, "");
  return { taskQueues, endpoints };
}

/** Computed task queues and endpoints known before the run, and what could not be computed or checked. */
export interface ComputedNeeds extends PipelineNeeds {
  readonly diagnostics: readonly Diagnostic[];
  /** The execution inputs the inputs decide, measured (held to the server's payload limit by the caller). */
  readonly payloads: readonly KnownPayload[];
}

/**
 * Evaluates every computed call setting that depends only on inputs and vars (per forEach item when
 * the items are known too): the task queues and endpoints they give are needs like the literal ones,
 * placed at the expression; a task queue or endpoint known only during the run is a warning that it
 * was not checked (NX309). Every value the inputs decide is checked as the run checks it before it
 * starts (src/pipeline/before-run-check.ts): a computed setting of the wrong form is NX305.
 */
export async function computedNeeds(
  pipeline: Pipeline,
  inputs: Readonly<Record<string, unknown>>,
): Promise<ComputedNeeds> {
  const evaluateIn = async (value: CompiledValue, scope: Scope) => evaluate(value, scope);
  const base: Scope = {
    inputs,
    vars: {},
    secrets: {},
    steps: {},
    run: { id: "preflight", name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const known = await knownScope(pipeline, base, evaluateIn, { secretsKnown: false });
  const taskQueues = new Map<string, Use[]>();
  const endpoints = new Map<string, Use[]>();
  const diagnostics: Diagnostic[] = [];
  const check = async (step: Step, options: CallOptions, label: string) => {
    const items = await itemsBeforeRun(step, known, evaluateIn);
    for (const setting of await settingsBeforeRun(options, items, known, evaluateIn)) {
      const target =
        setting.name === "taskQueue" ? taskQueues : setting.name === "nexus.endpoint" ? endpoints : undefined;
      if (setting.values === undefined) {
        if (target) {
          diagnostics.push(
            placed(setting.position, {
              code: Codes.notChecked,
              severity: "warning",
              message: `step ${label}: the ${setting.name === "taskQueue" ? "task queue" : "Nexus endpoint"} {% ${setting.source} %} was not checked: ${setting.unknown}`,
              hint: "preflight evaluates what depends only on inputs and vars; give the inputs with -i name=value",
            }),
          );
        }
        continue;
      }
      // One use per value, naming the items that give it.
      const byValue = new Map<string, number[]>();
      for (const v of setting.values) {
        // A value that fails is the before-run check's (below), reported once.
        if (v.error) continue;
        if (target && typeof v.value === "string") {
          const indexes = byValue.get(v.value) ?? [];
          if (v.index !== undefined) indexes.push(v.index);
          byValue.set(v.value, indexes);
        }
      }
      for (const [name, indexes] of byValue) {
        const stepId =
          indexes.length === 0 ? label : `${label} (${indexes.length === 1 ? "item" : "items"} ${indexes.join(", ")})`;
        target?.set(name, [...(target.get(name) ?? []), { stepId, position: setting.position }]);
      }
    }
  };
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    await check(step, step, step.id);
    if (step.compensate) await check(step, step.compensate, `${step.id} (compensate)`);
  }
  // Every value the inputs decide, as the run checks it before it starts; whether a confirm step can be
  // answered is the run's to say (its terminal, --yes), not the check's.
  const payloads: KnownPayload[] = [];
  diagnostics.push(...(await checkBeforeRun(pipeline, known, evaluateIn, { confirmAnswered: true, payloads })));
  return { taskQueues, endpoints, diagnostics, payloads };
}

function placed(position: SourcePosition, d: Pick<Diagnostic, "code" | "severity" | "message" | "hint">): Diagnostic {
  return { ...d, file: position.file, line: position.line, column: position.column };
}
