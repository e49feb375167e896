/**
 * What can be known of a pipeline's values before it runs, for `check --preflight` and `--dry-run`:
 * the inputs given, the vars that need nothing else, and from them the computed call settings (task
 * queue, endpoint, timeouts, retry, priority), per forEach item when the items are known too.
 */

import type { SourcePosition } from "../base/source-position.js";
import { checkSetting, computedEntries } from "./call-settings.js";
import { forEachExpression } from "./check-references.js";
import type { CompiledValue } from "./expr/compiled.js";
import type { Scope } from "./expr/scope.js";
import type { CallOptions, Pipeline, Step } from "./model.js";

export type EvaluateIn = (value: CompiledValue, scope: Scope) => Promise<unknown>;

/** The scope before the run, and what in it is not known. */
export interface KnownScope {
  readonly scope: Scope;
  /** Declared inputs that have no value (not given, no default). */
  readonly missingInputs: ReadonlySet<string>;
  /** Vars that could not be computed, with why. */
  readonly unknownVars: ReadonlyMap<string, string>;
  /** Vars whose expression failed (a mistake, not merely unknown), with the error. */
  readonly failedVars: ReadonlyMap<string, Error>;
  /** False for `check`, which never reads secrets. */
  readonly secretsKnown: boolean;
}

/** A computed setting as known before the run. */
export interface SettingBeforeRun {
  /** As written: `taskQueue`, `nexus.endpoint`, `timeouts.startToClose`... */
  readonly name: string;
  readonly source: string;
  readonly position: SourcePosition;
  /** Why it is known only during the run; absent when `values` holds it. */
  readonly unknown?: string;
  /** One per item for a forEach step whose setting uses $item/$index; otherwise one. */
  readonly values?: ReadonlyArray<{ readonly index?: number; readonly value?: unknown; readonly error?: Error }>;
}

/**
 * Inputs and vars as far as they are known without running anything. `inputsFinal`: the inputs are
 * the run's (resolved, defaults applied), so an input not among them is known to be absent.
 */
export async function knownScope(
  pipeline: Pipeline,
  base: Scope,
  evaluate: EvaluateIn,
  options: { secretsKnown: boolean; inputsFinal?: boolean },
): Promise<KnownScope> {
  // The run's own inputs are final: one not given is absent (undefined), not unknown.
  const missingInputs = new Set(
    options.inputsFinal ? [] : Object.keys(pipeline.inputs).filter((name) => base.inputs[name] === undefined),
  );
  const unknownVars = new Map<string, string>();
  const failedVars = new Map<string, Error>();
  const vars: Record<string, unknown> = {};
  const partial: KnownScope = {
    scope: base,
    missingInputs,
    unknownVars,
    failedVars,
    secretsKnown: options.secretsKnown,
  };
  for (const { name, value } of pipeline.vars) {
    const why = whyUnknown(value, { ...partial, scope: { ...base, vars } }, false);
    if (why !== undefined) {
      unknownVars.set(name, why);
      continue;
    }
    try {
      vars[name] = await evaluate(value, { ...base, vars: { ...vars } });
    } catch (error) {
      unknownVars.set(name, `it fails: ${error instanceof Error ? error.message : String(error)}`);
      failedVars.set(name, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return { ...partial, scope: { ...base, vars } };
}

/** Why `value` cannot be evaluated before the run, or undefined when it can. */
export function whyUnknown(
  value: CompiledValue | undefined,
  known: KnownScope,
  itemKnown: boolean,
): string | undefined {
  let why: string | undefined;
  forEachExpression(value, (expr) => {
    if (why !== undefined) return;
    const refs = expr.references;
    const step = refs.steps[0];
    if (step !== undefined) why = `it reads $steps.${step}, known only during the run`;
    else if (refs.usesRunStatus) why = "it reads $run.status, known only in finally";
    else if (refs.usesItem && !itemKnown) why = "it reads $item, and the forEach items are known only during the run";
    else if (refs.secrets.length > 0 && !known.secretsKnown) why = "it reads a secret, which check does not read";
    else {
      const input = refs.inputs.find((name) => known.missingInputs.has(name));
      if (input !== undefined) why = `input "${input}" is not given (-i ${input}=...)`;
      const variable = refs.vars.find((name) => known.unknownVars.has(name));
      if (why === undefined && variable !== undefined)
        why = `var "${variable}" is not known before the run (${known.unknownVars.get(variable)})`;
    }
  });
  return why;
}

/** A forEach step's items before the run: the list, or why it is known only during the run. */
export type ItemsBeforeRun = { readonly items: readonly unknown[] } | { readonly unknown: string };

/** The forEach items of a step before the run; undefined for a step without forEach. */
export async function itemsBeforeRun(
  step: Step,
  known: KnownScope,
  evaluate: EvaluateIn,
): Promise<ItemsBeforeRun | undefined> {
  if (step.forEach === undefined) return undefined;
  const why = whyUnknown(step.forEach, known, false);
  if (why !== undefined) return { unknown: `the forEach items are not known before the run: ${why}` };
  try {
    const items = await evaluate(step.forEach, known.scope);
    return Array.isArray(items) ? { items } : { unknown: "the forEach expression does not give a list" };
  } catch (error) {
    return { unknown: `the forEach expression fails: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Each computed setting of a call, evaluated and checked where it can be: once, or once per item
 * when it uses $item/$index and the items are known. `items` is undefined for a step without forEach.
 */
export async function settingsBeforeRun(
  options: CallOptions,
  items: ItemsBeforeRun | undefined,
  known: KnownScope,
  evaluate: EvaluateIn,
): Promise<SettingBeforeRun[]> {
  const result: SettingBeforeRun[] = [];
  for (const [name, value] of computedEntries(options.computed)) {
    if (value.kind !== "expression") continue;
    const base = { name, source: value.source, position: value.position };
    const perItem = items !== undefined && value.references.usesItem;
    const list = items !== undefined && "items" in items ? items.items : undefined;
    const unknown =
      perItem && list === undefined && items && "unknown" in items
        ? items.unknown
        : whyUnknown(value, known, list !== undefined);
    if (unknown !== undefined) {
      result.push({ ...base, unknown });
      continue;
    }
    const one = async (scope: Scope, index?: number) => {
      const at = index === undefined ? {} : { index };
      try {
        return { ...at, value: checkSetting(name, value, await evaluate(value, scope)) };
      } catch (error) {
        return { ...at, error: error instanceof Error ? error : new Error(String(error)) };
      }
    };
    const values = perItem
      ? await Promise.all((list ?? []).map((item, index) => one({ ...known.scope, item, index }, index)))
      : [await one(known.scope)];
    result.push({ ...base, values });
  }
  return result;
}

/**
 * For `nxrun graph`: per step, where a computed task queue or endpoint sends it, as far as it is known
 * before the run (`on deploy-eu, deploy-us`), else its expression (`on {% ... %}`).
 */
export async function computedCallNotes(
  pipeline: Pipeline,
  known: KnownScope,
  evaluate: EvaluateIn,
): Promise<Map<string, string[]>> {
  const notes = new Map<string, string[]>();
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const items = await itemsBeforeRun(step, known, evaluate);
    const lines: string[] = [];
    for (const setting of await settingsBeforeRun(step, items, known, evaluate)) {
      if (setting.name !== "taskQueue" && setting.name !== "nexus.endpoint") continue;
      const what = setting.name === "taskQueue" ? "on" : "endpoint";
      const values = [...new Set((setting.values ?? []).filter((v) => !v.error).map((v) => String(v.value)))];
      if (setting.values === undefined || values.length === 0) lines.push(`${what} {% ${setting.source} %}`);
      else lines.push(`${what} ${values.slice(0, 5).join(", ")}${values.length > 5 ? `, … (${values.length})` : ""}`);
    }
    if (lines.length > 0) notes.set(step.id, lines);
  }
  return notes;
}
