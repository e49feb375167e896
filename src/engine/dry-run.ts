/**
 * `--dry-run`: the plan as it would run, with every value that can be known before the run
 * resolved (inputs, vars, secrets redacted by the caller) and the rest shown as its expression.
 */

import {
  type EvaluateIn,
  type ItemsBeforeRun,
  itemsBeforeRun,
  type KnownScope,
  knownScope,
  settingsBeforeRun,
} from "../pipeline/before-run.js";
import { showSetting } from "../pipeline/call-settings.js";
import { formatDuration } from "../pipeline/duration.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { CallOptions, ComputedSettings, Pipeline, Repeat, Step, StepCall } from "../pipeline/model.js";
import { withInputs } from "../pipeline/with-inputs.js";
import {
  compensationExecutionId,
  itemCompensationExecutionId,
  itemExecutionId,
  repeatExecutionId,
  stepExecutionId,
} from "./execution-ids.js";
import type { Evaluate } from "./run-options.js";

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
  /** Computed call settings by name (`taskQueue`, `timeouts.startToClose`): the value, one per item, or the expression. */
  settings?: Record<string, unknown>;
  compensate?: { call: string; executionId: string; input?: unknown; settings?: Record<string, unknown> };
  /** uses: the used pipeline's steps, as its run would start them (IDs `<runId>.<stepId>.<substep>`). */
  steps?: DryRunStep[];
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
    /** The inputs and vars as the run knows them before it starts (src/pipeline/before-run-check.ts beforeRun); computed when absent. */
    known?: KnownScope;
  },
): Promise<DryRunPlan> {
  const scope: Scope = {
    inputs: options.inputs,
    vars: {},
    secrets: options.secrets,
    steps: {},
    run: { id: options.runId, name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const evaluateIn = async (value: CompiledValue, scope: Scope) => options.evaluate(value, scope);
  const known = options.known ?? (await knownScope(pipeline, scope, evaluateIn, { secretsKnown: true }));
  const withVars = known.scope;
  // A var that fails is shown failing; what uses it then shows the expression and why.
  const vars: Record<string, unknown> = { ...withVars.vars };
  for (const [name, why] of known.unknownVars) vars[name] = `(${why})`;
  const resolve = (value: CompiledValue | undefined) => resolvable(value, withVars, options.evaluate);
  const steps: DryRunStep[] = [];
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const items = await itemsBeforeRun(step, known, evaluateIn);
    const settings = await describeSettings(step, items, known, evaluateIn);
    const entry: DryRunStep = {
      id: step.id,
      section: step.section,
      call: describeCall(step.call, step.computed),
      dependsOn: [...step.dependsOn],
      executionId: firstExecutionId(options.runId, step),
      cancellation: step.cancellation,
      onError: step.onError,
    };
    // A computed wait shows what it waits for when the inputs and vars say it.
    if (step.call.kind === "wait" && step.call.wait.kind === "expression") {
      const wait = await resolve(step.call.wait);
      if (typeof wait === "string" && !wait.startsWith("{%")) entry.call = `wait ${wait}`;
    }
    if (step.when !== undefined) entry.when = await resolve(step.when);
    if (step.forEach !== undefined) entry.forEach = await resolve(step.forEach);
    if (step.repeat !== undefined) entry.repeat = describeRepeat(step.repeat);
    const input = inputOf(step);
    if (input !== undefined) entry.input = await resolve(input);
    if (step.call.kind === "confirm") entry.input = await resolve(step.call.prompt);
    if (settings) entry.settings = settings;
    if (step.call.kind === "uses") {
      const withValues = await resolve(step.call.with);
      entry.input = withValues;
      const used = step.call.pipeline;
      const values = (typeof withValues === "object" && withValues !== null ? withValues : {}) as Record<
        string,
        unknown
      >;
      const base =
        step.forEach === undefined
          ? stepExecutionId(options.runId, step.id)
          : itemExecutionId(options.runId, step.id, 0);
      try {
        const { known: _caller, ...forUsed } = options;
        const nested = await dryRunPlan(used, { ...forUsed, runId: base, inputs: withInputs(used, values) });
        entry.steps = nested.steps;
      } catch {
        // Its vars need values known only during the run: the nested plan is left out, the step shown.
      }
    }
    if (step.compensate) {
      const compensateSettings = await describeSettings(step.compensate, items, known, evaluateIn);
      entry.compensate = {
        call: describeCall(step.compensate.call, step.compensate.computed),
        // A forEach's items are each undone by their own execution: the first item's is shown.
        executionId:
          step.forEach === undefined
            ? compensationExecutionId(options.runId, step.id)
            : itemCompensationExecutionId(options.runId, step.id, 0),
        ...(step.compensate.input === undefined ? {} : { input: await resolve(step.compensate.input) }),
        ...(compensateSettings ? { settings: compensateSettings } : {}),
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

/**
 * Computed settings as the dry run shows them: the value, the list of values per item, the
 * expression with why it is known only during the run, or the error it gives.
 */
async function describeSettings(
  options: CallOptions,
  items: ItemsBeforeRun | undefined,
  known: KnownScope,
  evaluate: EvaluateIn,
): Promise<Record<string, unknown> | undefined> {
  const found = await settingsBeforeRun(options, items, known, evaluate);
  if (found.length === 0) return undefined;
  const shown: Record<string, unknown> = {};
  for (const setting of found) {
    if (setting.values === undefined) {
      shown[setting.name] = `{% ${setting.source} %} (${setting.unknown})`;
      continue;
    }
    const each = setting.values.map((v) =>
      v.error ? `(fails: ${v.error.message})` : (showSetting(setting.name, v.value) ?? null),
    );
    shown[setting.name] = setting.values.length === 1 && setting.values[0]?.index === undefined ? each[0] : each;
  }
  return shown;
}

/** `activity Type on queue`, `nexus endpoint/service/operation`, or `confirm`; a computed name as its expression. */
export function describeCall(call: StepCall, computed?: ComputedSettings): string {
  const shown = (name: string, value: CompiledValue | undefined) =>
    value?.kind === "expression" ? `{% ${value.source} %}` : name;
  switch (call.kind) {
    case "activity":
      return `activity ${call.activityType} on ${shown(call.taskQueue, computed?.taskQueue)}`;
    case "nexus":
      return `nexus ${shown(call.endpoint, computed?.endpoint)}/${call.service}/${call.operation}`;
    case "confirm":
      return "confirm";
    case "uses":
      return `uses ${call.pipeline.name} (${call.file})`;
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
