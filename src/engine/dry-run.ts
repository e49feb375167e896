/**
 * `--dry-run`: the plan as it would run, with every value that can be known before the run
 * resolved (inputs, vars, secrets redacted by the caller) and the rest shown as its expression.
 */

import { formatDuration } from "../pipeline/duration.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { Pipeline, Repeat, Step, StepCall } from "../pipeline/model.js";
import { compensationExecutionId, itemExecutionId, repeatExecutionId, stepExecutionId } from "./execution-ids.js";
import type { Evaluate } from "./run-options.js";
import { computeVars } from "./vars.js";

export interface DryRunStep {
  id: string;
  section: "steps" | "finally";
  call: string;
  dependsOn: string[];
  executionId: string;
  cancellation: string;
  onError: string;
  when?: unknown;
  forEach?: unknown;
  /** `until {% ... %} every 30s, limit 20, timeout 15m`. */
  repeat?: string;
  input?: unknown;
  compensate?: { call: string; executionId: string; input?: unknown };
}

export interface DryRunPlan {
  runId: string;
  pipeline: string;
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  concurrency: number;
  timeout?: number;
  steps: DryRunStep[];
}

/** What the run would do, resolving what does not depend on step results. */
export async function dryRunPlan(
  pipeline: Pipeline,
  options: {
    runId: string;
    inputs: Record<string, unknown>;
    secrets: Record<string, string>;
    evaluate: Evaluate;
    concurrency?: number;
  },
): Promise<DryRunPlan> {
  const scope: Scope = {
    inputs: options.inputs,
    vars: {},
    secrets: options.secrets,
    steps: {},
    run: { id: options.runId, name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const vars = await computeVars(pipeline, scope, options.evaluate);
  const withVars: Scope = { ...scope, vars };
  const resolve = (value: CompiledValue | undefined) => resolvable(value, withVars, options.evaluate);
  const steps: DryRunStep[] = [];
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const entry: DryRunStep = {
      id: step.id,
      section: step.section,
      call: describeCall(step.call),
      dependsOn: [...step.dependsOn],
      executionId: firstExecutionId(options.runId, step),
      cancellation: step.cancellation,
      onError: step.onError,
    };
    if (step.when !== undefined) entry.when = await resolve(step.when);
    if (step.forEach !== undefined) entry.forEach = await resolve(step.forEach);
    if (step.repeat !== undefined) entry.repeat = describeRepeat(step.repeat);
    const input = inputOf(step);
    if (input !== undefined) entry.input = await resolve(input);
    if (step.call.kind === "confirm") entry.input = await resolve(step.call.prompt);
    if (step.compensate) {
      entry.compensate = {
        call: describeCall(step.compensate.call),
        executionId: compensationExecutionId(options.runId, step.id),
        ...(step.compensate.input === undefined ? {} : { input: await resolve(step.compensate.input) }),
      };
    }
    steps.push(entry);
  }
  return {
    runId: options.runId,
    pipeline: pipeline.name,
    inputs: options.inputs,
    vars,
    concurrency: options.concurrency ?? pipeline.concurrency,
    ...(pipeline.timeout === undefined ? {} : { timeout: pipeline.timeout }),
    steps,
  };
}

/** The execution ID of the step's first execution, with `…` when more follow (forEach items, repeat checks). */
function firstExecutionId(runId: string, step: Step): string {
  const base = step.forEach === undefined ? stepExecutionId(runId, step.id) : itemExecutionId(runId, step.id, 0);
  const first = step.repeat === undefined ? base : repeatExecutionId(base, 1);
  return step.forEach === undefined && step.repeat === undefined ? first : `${first}…`;
}

function describeRepeat(repeat: Repeat): string {
  const until = repeat.until.kind === "expression" ? `{% ${repeat.until.source.trim()} %}` : String(repeat.until);
  return [
    `until ${until} every ${formatDuration(repeat.every)}`,
    ...(repeat.limit === undefined ? [] : [`limit ${repeat.limit}`]),
    ...(repeat.timeout === undefined ? [] : [`timeout ${formatDuration(repeat.timeout)}`]),
  ].join(", ");
}

function inputOf(step: Step): CompiledValue | undefined {
  return step.args ?? step.input;
}

/** `activity Type on queue`, `nexus endpoint/service/operation`, or `confirm`. */
export function describeCall(call: StepCall): string {
  switch (call.kind) {
    case "activity":
      return `activity ${call.activityType} on ${call.taskQueue}`;
    case "nexus":
      return `nexus ${call.endpoint}/${call.service}/${call.operation}`;
    case "confirm":
      return "confirm";
    case "wait":
      return call.wait.kind === "literal"
        ? `wait ${String(call.wait.value)}`
        : call.wait.kind === "expression"
          ? `wait {% ${call.wait.source.trim()} %}`
          : "wait";
    default: {
      const never: never = call;
      return String(never);
    }
  }
}

/** Evaluates what needs no step result; keeps the rest as `{% source %}` (it is known only during the run). */
async function resolvable(value: CompiledValue | undefined, scope: Scope, evaluate: Evaluate): Promise<unknown> {
  if (value === undefined) return undefined;
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expression": {
      const refs = value.references;
      if (refs.steps.length > 0 || refs.usesItem || refs.usesRunStatus) return `{% ${value.source.trim()} %}`;
      try {
        return await evaluate(value, scope);
      } catch (error) {
        return `{% ${value.source.trim()} %} (fails: ${error instanceof Error ? error.message : String(error)})`;
      }
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, entry] of value.entries) out[key] = await resolvable(entry, scope, evaluate);
      return out;
    }
    case "array":
      return Promise.all(value.items.map((item) => resolvable(item, scope, evaluate)));
    default: {
      const never: never = value;
      return String(never);
    }
  }
}
