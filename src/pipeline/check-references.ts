/**
 * Reference checks over every compiled expression: unknown inputs, vars, secrets and steps; steps
 * that cannot have run yet; $item/$index outside forEach; $run.status outside finally. Also fills in
 * each step's dependsOn (needs + referenced steps) and reports dependency cycles.
 */

import type { SourcePosition } from "../base/source-position.js";
import type { DraftPipeline, DraftStep } from "./build-model.js";
import { computedEntries } from "./call-settings.js";
import { type DependencyEdge, findCycles } from "./dependency-cycles.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { didYouMean } from "./did-you-mean.js";
import { type ExpressionValue, programOf } from "./expr/compile.js";
import type { CompiledValue } from "./expr/compiled.js";
import { DEFINED_FIELDS, JSONATA_FUNCTIONS, SCOPE_VARIABLES } from "./expr/references.js";
import type { YamlFile } from "./yaml-source.js";

/** What an expression may see, by where it is. */
interface Context {
  /** For messages: "input of step \"a\"", "var \"x\"". */
  readonly label: string;
  /** Vars visible (a var sees only the vars above it). */
  readonly vars: ReadonlySet<string>;
  /** "vars": no step has run; "steps"/"finally": the section of the step the expression belongs to; "outputs": any. */
  readonly stage: "vars" | "steps" | "finally" | "outputs";
  /** The step the expression belongs to. */
  readonly stepId?: string;
  /** A compensation may read its own step's output. */
  readonly selfAllowed?: boolean;
  readonly itemAllowed: boolean;
  readonly runStatusAllowed: boolean;
  /** repeat.until: $output and $attempt, the attempt just finished. */
  readonly repeatAllowed?: boolean;
}

/** The names repeat.until sees beyond the usual ones. */
const REPEAT_VARIABLES: ReadonlySet<string> = new Set(["output", "attempt"]);

/** Checks every reference and sets dependsOn on each step. */
export function checkReferences(src: YamlFile, pipeline: DraftPipeline, out: DiagnosticList): void {
  const inputs = new Set(Object.keys(pipeline.inputs));
  const secrets = new Set(Object.keys(pipeline.secrets));
  const allVars = new Set(pipeline.vars.map((v) => v.name));
  const mainIds = new Set(pipeline.steps.map((s) => s.id));
  const finallyIds = new Set(pipeline.finally.map((s) => s.id));
  const allIds = new Set([...mainIds, ...finallyIds]);

  checkDuplicateIds(src, pipeline, out);

  const visit = (value: CompiledValue | undefined, ctx: Context, found?: Map<string, () => SourcePosition>) => {
    forEachExpression(value, (expr) => checkExpression(expr, ctx, found));
  };

  const checkExpression = (expr: ExpressionValue, ctx: Context, found?: Map<string, () => SourcePosition>) => {
    const program = programOf(expr);
    for (const site of program.sites) {
      // Positions are computed only for what is reported: most references are fine.
      const at = () => program.locate(site.offset);
      const end = () => program.locate(site.offset + site.length);
      switch (site.kind) {
        case "inputs":
          if (!inputs.has(site.name!)) {
            out.error(
              Codes.unknownInput,
              `unknown input "${site.name}" in ${ctx.label}`,
              at(),
              didYouMean(site.name!, inputs, "$inputs.") ?? hintDeclared("inputs", inputs),
              end(),
            );
          }
          break;
        case "vars":
          if (!allVars.has(site.name!)) {
            out.error(
              Codes.unknownVar,
              `unknown var "${site.name}" in ${ctx.label}`,
              at(),
              didYouMean(site.name!, allVars, "$vars.") ?? hintDeclared("vars", allVars),
              end(),
            );
          } else if (!ctx.vars.has(site.name!)) {
            out.error(
              Codes.unknownVar,
              `var "${site.name}" is used in ${ctx.label} before it is defined`,
              at(),
              "a var may use only the vars above it; move it below",
              end(),
            );
          }
          break;
        case "secrets":
          if (!secrets.has(site.name!)) {
            out.error(
              Codes.unknownSecret,
              `unknown secret "${site.name}" in ${ctx.label}`,
              at(),
              didYouMean(site.name!, secrets, "$secrets.") ?? hintDeclared("secrets", secrets),
              end(),
            );
          }
          break;
        case "steps": {
          if (site.name === undefined) break; // whole $steps: nothing to check or infer
          const id = site.name;
          if (!allIds.has(id)) {
            out.error(
              Codes.unknownStep,
              `unknown step "${id}" in ${ctx.label}`,
              at(),
              didYouMean(id, allIds, "$steps.") ?? "step IDs are case-sensitive",
              end(),
            );
            break;
          }
          if (ctx.stage === "vars") {
            out.error(
              Codes.stepNotUpstream,
              `${ctx.label} uses step "${id}", but vars are computed before any step runs`,
              at(),
              "compute the value in the step's input instead",
              end(),
            );
            break;
          }
          if (ctx.stage === "steps" && finallyIds.has(id)) {
            out.error(
              Codes.stepNotUpstream,
              `${ctx.label} uses finally step "${id}", which runs after every step`,
              at(),
              "finally steps run last; move the step into steps:",
              end(),
            );
            break;
          }
          if (id === ctx.stepId && !ctx.selfAllowed) {
            out.error(
              Codes.stepNotUpstream,
              `${ctx.label} uses its own step "${id}", which has not finished yet`,
              at(),
              "a step can read only the steps before it",
              end(),
            );
            break;
          }
          if (found && id !== ctx.stepId && !found.has(id)) found.set(id, at);
          break;
        }
        case "item":
        case "index":
          if (!ctx.itemAllowed) {
            out.error(
              Codes.itemOutsideForEach,
              `$${site.kind} is used in ${ctx.label}, outside a forEach step`,
              at(),
              "$item and $index exist only in the input, args, summary, call settings (taskQueue, endpoint, timeouts, retry, priority) and compensate of a step with forEach:",
              end(),
            );
          }
          break;
        case "runStatus":
          if (!ctx.runStatusAllowed) {
            out.error(
              Codes.runStatusOutsideFinally,
              `$run.status is used in ${ctx.label}; it is known only in finally steps`,
              at(),
              "move this step into finally:",
              end(),
            );
          }
          break;
        case "unknownVariable":
          if (REPEAT_VARIABLES.has(site.name!)) {
            if (ctx.repeatAllowed) break;
            out.error(
              Codes.exprNotHere,
              `$${site.name} is used in ${ctx.label}, outside repeat.until`,
              at(),
              "$output and $attempt exist only in the until of a step's repeat:; elsewhere read $steps.<id>.output",
              end(),
            );
            break;
          }
          out.error(
            Codes.exprNotHere,
            `unknown variable $${site.name} in ${ctx.label}`,
            at(),
            didYouMean(
              site.name!,
              ctx.repeatAllowed ? [...SCOPE_VARIABLES, ...REPEAT_VARIABLES] : SCOPE_VARIABLES,
              "$",
            ) ?? "names available: $inputs, $vars, $secrets, $steps, $run, and $item/$index in forEach",
            end(),
          );
          break;
        case "unknownFunction":
          out.error(
            Codes.exprNotHere,
            `unknown function $${site.name}() in ${ctx.label}`,
            at(),
            didYouMean(site.name!, JSONATA_FUNCTIONS, "$") ??
              "see the JSONata function library: https://docs.jsonata.org",
            end(),
          );
          break;
        case "unknownField": {
          const owner = site.owner!;
          const fields = DEFINED_FIELDS[owner.kind];
          out.error(
            Codes.unknownField,
            `${owner.written} has no field "${site.name}" (in ${ctx.label})`,
            at(),
            didYouMean(site.name!, fields, `${owner.written}.`) ??
              `${owner.written} has ${fields.join(", ")}${owner.kind === "step" ? "; what the execution returned is under output" : ""}`,
            end(),
          );
          break;
        }
        default: {
          const never: never = site.kind;
          throw new Error(`unhandled reference kind ${String(never)}`);
        }
      }
    }
  };

  const visibleVars = new Set<string>();
  for (const v of pipeline.vars) {
    visit(v.value, {
      label: `var "${v.name}"`,
      vars: new Set(visibleVars),
      stage: "vars",
      itemAllowed: false,
      runStatusAllowed: false,
    });
    visibleVars.add(v.name);
  }
  for (const o of pipeline.outputs) {
    visit(o.value, {
      label: `output "${o.name}"`,
      vars: allVars,
      stage: "outputs",
      itemAllowed: false,
      runStatusAllowed: false,
    });
  }

  const edges: DependencyEdge<() => SourcePosition>[] = [];
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const sectionIds = step.section === "steps" ? mainIds : finallyIds;
    const name = `${step.section === "finally" ? "finally step" : "step"} "${step.id}"`;
    const base = {
      vars: allVars,
      stage: step.section,
      stepId: step.id,
      runStatusAllowed: step.section === "finally",
    } as const;
    const found = new Map<string, () => SourcePosition>();
    const inForEach = step.forEach !== undefined;
    if (step.call.kind === "confirm")
      visit(step.call.prompt, { ...base, label: `the question of ${name}`, itemAllowed: false }, found);
    if (step.call.kind === "wait")
      visit(step.call.wait, { ...base, label: `wait of ${name}`, itemAllowed: false }, found);
    visit(step.when, { ...base, label: `when of ${name}`, itemAllowed: false }, found);
    if (step.repeat)
      visit(
        step.repeat.until,
        { ...base, label: `repeat.until of ${name}`, itemAllowed: inForEach, repeatAllowed: true },
        found,
      );
    visit(step.forEach, { ...base, label: `forEach of ${name}`, itemAllowed: false }, found);
    visit(step.input, { ...base, label: `input of ${name}`, itemAllowed: inForEach }, found);
    visit(step.args, { ...base, label: `args of ${name}`, itemAllowed: inForEach }, found);
    visit(step.summary, { ...base, label: `summary of ${name}`, itemAllowed: inForEach }, found);
    const settingLabel = (key: string, of: string, value: CompiledValue) =>
      pipeline.fromDefaults?.has(value) ? `defaults ${key}` : `${key} of ${of}`;
    for (const [key, value] of computedEntries(step.computed))
      visit(value, { ...base, label: settingLabel(key, name, value), itemAllowed: inForEach }, found);
    if (step.compensate) {
      const ctx = { ...base, label: `compensate of ${name}`, itemAllowed: inForEach, selfAllowed: true };
      visit(step.compensate.input, ctx, found);
      visit(step.compensate.args, ctx, found);
      visit(step.compensate.summary, ctx, found);
      for (const [key, value] of computedEntries(step.compensate.computed))
        visit(value, { ...ctx, label: settingLabel(key, `the compensation of ${name}`, value) }, found);
    }

    const dependsOn = new Set<string>();
    step.needs.forEach((need, i) => {
      const at = () => src.valuePosition([step.section, indexIn(pipeline, step), "needs", i]);
      if (need === step.id) {
        out.error(Codes.badNeeds, `${name} needs itself`, at(), "remove it from needs");
      } else if (!allIds.has(need)) {
        out.error(
          Codes.badNeeds,
          `${name} needs unknown step "${need}"`,
          at(),
          didYouMean(need, allIds) ?? "needs lists step IDs",
        );
      } else if (step.section === "steps" && finallyIds.has(need)) {
        out.error(
          Codes.badNeeds,
          `${name} needs finally step "${need}", which runs after every step`,
          at(),
          "remove it from needs",
        );
      } else if (sectionIds.has(need)) {
        dependsOn.add(need);
        edges.push({ from: step.id, to: need, via: "needs", position: at });
      }
      // A finally step needing a main step: all of steps have finished before finally starts.
    });
    for (const [id, at] of found) {
      if (!sectionIds.has(id)) continue;
      if (!dependsOn.has(id)) edges.push({ from: step.id, to: id, via: "reference", position: at });
      dependsOn.add(id);
    }
    step.dependsOn = [...dependsOn];
  }

  for (const section of [pipeline.steps, pipeline.finally]) {
    const ids = section.map((s) => s.id);
    const idSet = new Set(ids);
    for (const cycle of findCycles(
      ids,
      edges.filter((e) => idSet.has(e.from)),
    ))
      reportCycle(cycle, out);
  }
}

function reportCycle(cycle: DependencyEdge<() => SourcePosition>[], out: DiagnosticList): void {
  const first = cycle[0];
  if (!first?.position) return;
  const where = (e: DependencyEdge<() => SourcePosition>) => e.position?.();
  const chain = [...cycle.map((e) => e.from), first.from].join(" → ");
  const detail = cycle
    .map(
      (e) =>
        `${e.from} waits for ${e.to} (${e.via === "needs" ? "needs" : `$steps.${e.to}`} at line ${where(e)?.line}:${where(e)?.column})`,
    )
    .join("; ");
  out.error(
    Codes.cycle,
    `steps wait for each other in a cycle: ${chain}`,
    first.position(),
    `${detail}. Break one of these dependencies`,
  );
}

function checkDuplicateIds(src: YamlFile, pipeline: DraftPipeline, out: DiagnosticList): void {
  const first = new Map<string, DraftStep>();
  const idAt = (step: DraftStep) => src.valuePosition([step.section, indexIn(pipeline, step), "id"]);
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const previous = first.get(step.id);
    if (previous) {
      out.error(
        Codes.duplicateStepId,
        `step ID "${step.id}" is used twice (first at line ${idAt(previous).line})`,
        idAt(step),
        "IDs are unique across steps and finally; rename one",
      );
    } else first.set(step.id, step);
  }
}

const indexCache = new WeakMap<DraftPipeline, Map<DraftStep, number>>();
function indexIn(pipeline: DraftPipeline, step: DraftStep): number {
  let map = indexCache.get(pipeline);
  if (!map) {
    map = new Map();
    for (const [i, s] of pipeline.steps.entries()) map.set(s, i);
    for (const [i, s] of pipeline.finally.entries()) map.set(s, i);
    indexCache.set(pipeline, map);
  }
  return map.get(step) ?? 0;
}

function hintDeclared(block: string, names: ReadonlySet<string>): string {
  return names.size === 0
    ? `the pipeline declares no ${block}; add a ${block}: block`
    : `declared ${block}: ${[...names].join(", ")}`;
}

/** Calls `fn` for every expression inside a compiled value. */
export function forEachExpression(value: CompiledValue | undefined, fn: (expr: ExpressionValue) => void): void {
  if (value === undefined) return;
  switch (value.kind) {
    case "literal":
      return;
    case "expression":
      fn(value);
      return;
    case "object":
      for (const [, v] of value.entries) forEachExpression(v, fn);
      return;
    case "array":
      for (const v of value.items) forEachExpression(v, fn);
      return;
    default: {
      const never: never = value;
      throw new Error(`unknown compiled value ${JSON.stringify(never)}`);
    }
  }
}
