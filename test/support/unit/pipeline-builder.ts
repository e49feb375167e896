/**
 * Builds `Pipeline` models in code for engine unit tests. Expressions are plain functions of the
 * scope (the real JSONata evaluator is tested in test/unit/expr), so these tests are about scheduling.
 */

import type { Evaluate } from "../../../src/engine/run-options.js";
import type { CompiledValue } from "../../../src/pipeline/expr/compiled.js";
import type { Scope } from "../../../src/pipeline/expr/scope.js";
import type { Pipeline, Step } from "../../../src/pipeline/model.js";

const position = { file: "/test/pipeline.yaml", line: 1, column: 1 };

/** A "compiled expression" that is a function of the scope. */
export function expr(fn: (scope: Scope) => unknown): CompiledValue {
  return {
    kind: "expression",
    source: fn.toString(),
    position,
    references: { inputs: [], vars: [], secrets: [], steps: [], usesItem: false, usesRunStatus: false },
    compiled: fn,
  };
}

export function literal(value: unknown): CompiledValue {
  return { kind: "literal", value };
}

export const fakeEvaluate: Evaluate = async (value, scope) => {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expression":
      return (value.compiled as (s: Scope) => unknown)(scope);
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries) out[k] = await fakeEvaluate(v, scope);
      return out;
    }
    case "array":
      return Promise.all(value.items.map((v) => fakeEvaluate(v, scope)));
    default:
      throw new Error("unknown");
  }
};

type StepExtras = Partial<Omit<Step, "id" | "call">>;

function base(id: string, extras: StepExtras): Omit<Step, "call"> {
  return {
    id,
    section: "steps",
    cancellation: "waitCompleted",
    onError: "fail",
    needs: [],
    dependsOn: [],
    timeouts: { scheduleToClose: 60_000 },
    position,
    ...extras,
  };
}

export function activity(id: string, activityType: string, extras: StepExtras = {}): Step {
  return { ...base(id, extras), call: { kind: "activity", activityType, taskQueue: "q" } };
}

export function nexus(id: string, operation: string, extras: StepExtras = {}): Step {
  return { ...base(id, extras), call: { kind: "nexus", endpoint: "e", service: "svc", operation } };
}

export function confirm(id: string, prompt: string, extras: StepExtras = {}): Step {
  return { ...base(id, extras), call: { kind: "confirm", prompt: literal(prompt) } };
}

/** A uses step running `used` with `with` (default: no inputs). */
export function uses(id: string, used: Pipeline, extras: StepExtras & { with?: CompiledValue } = {}): Step {
  const { with: values = literal({}), ...rest } = extras;
  return { ...base(id, rest), call: { kind: "uses", file: used.file, pipeline: used, with: values } };
}

export function pipeline(steps: Step[], extras: Partial<Pipeline> = {}): Pipeline {
  return {
    file: "/test/pipeline.yaml",
    version: 1,
    name: "test",
    temporal: {},
    inputs: {},
    secrets: {},
    vars: [],
    concurrency: 16,
    steps,
    finally: [],
    outputs: [],
    ...extras,
  };
}
