/**
 * Reference checks over every compiled expression of a pipeline (the rules of one expression are in
 * check-expression.ts), then each step's dependsOn and the dependency cycles (depends-on.ts).
 */

import type { SourcePosition } from "../base/source-position.js";
import type { DraftPipeline, DraftStep } from "./build-model.js";
import { computedEntries } from "./call-settings.js";
import { checkExpression, type ExpressionPlace, pipelineNames, stepPlace } from "./check-expression.js";
import type { DependencyEdge } from "./dependency-cycles.js";
import { computeDependsOn, indexIn, reportCycles } from "./depends-on.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import type { ExpressionValue } from "./expr/compile.js";
import type { CompiledValue } from "./expr/compiled.js";
import type { StepField } from "./step-fields.js";
import type { YamlFile } from "./yaml-source.js";

/** Checks every reference and sets dependsOn on each step. */
export function checkReferences(src: YamlFile, pipeline: DraftPipeline, out: DiagnosticList): void {
  const names = pipelineNames(pipeline);
  checkDuplicateIds(src, pipeline, out);

  const visit = (value: CompiledValue | undefined, ctx: ExpressionPlace, found?: Map<string, () => SourcePosition>) => {
    forEachExpression(value, (expr) => checkExpression(expr, ctx, names, out, found));
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
      vars: names.allVars,
      stage: "outputs",
      itemAllowed: false,
      runStatusAllowed: false,
    });
  }

  const edges: DependencyEdge<() => SourcePosition>[] = [];
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    const found = new Map<string, () => SourcePosition>();
    for (const [field, value] of stepExpressions(step)) visit(value, stepPlace(step, field, names), found);
    // Call settings written as expressions (taskQueue, endpoint, timeouts, retry, priority): per item, like input.
    const name = `${step.section === "finally" ? "finally step" : "step"} "${step.id}"`;
    const settingLabel = (key: string, of: string, value: CompiledValue) =>
      pipeline.fromDefaults?.has(value) ? `defaults ${key}` : `${key} of ${of}`;
    for (const [key, value] of computedEntries(step.computed))
      visit(value, { ...stepPlace(step, "input", names), label: settingLabel(key, name, value) }, found);
    if (step.compensate) {
      for (const [key, value] of computedEntries(step.compensate.computed)) {
        const label = settingLabel(key, `the compensation of ${name}`, value);
        visit(value, { ...stepPlace(step, "compensate", names), label }, found);
      }
    }
    edges.push(...computeDependsOn(src, pipeline, step, found, names, out));
  }
  reportCycles(pipeline, edges, out);
}

/** A step's fields that hold expressions, in the order they are checked. */
function stepExpressions(step: DraftStep): Array<[StepField, CompiledValue | undefined]> {
  return [
    ...(step.call.kind === "confirm" ? [["confirm", step.call.prompt] as [StepField, CompiledValue]] : []),
    ...(step.call.kind === "wait" ? [["wait", step.call.wait] as [StepField, CompiledValue]] : []),
    ["when", step.when],
    ["repeat.until", step.repeat?.until],
    ["forEach", step.forEach],
    ["input", step.input],
    ...(step.call.kind === "uses" ? [["with", step.call.with] as [StepField, CompiledValue]] : []),
    ["args", step.args],
    ["summary", step.summary],
    ["details", step.details],
    ["headers", step.headers],
    ["searchAttributes", step.searchAttributes],
    ["compensate", step.compensate?.input],
    ["compensate", step.compensate?.args],
    ["compensate", step.compensate?.summary],
    ["compensate", step.compensate?.details],
    ["compensate", step.compensate?.headers],
    ["compensate", step.compensate?.searchAttributes],
  ];
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
