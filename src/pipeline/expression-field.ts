/**
 * Which field of a step an expression is written in, as `nxrun eval --in` names it: so the hint of
 * an expression that failed is the very command that tries it where it failed (`nxrun eval '...'
 * --pipeline deploy.yaml --step waitHealthy --in repeat.until`).
 */
import { forEachExpression } from "./check-references.js";
import type { CompiledValue } from "./expr/compiled.js";
import { ExpressionError } from "./expr/expression-error.js";
import type { CallOptions, Step } from "./model.js";
import type { StepField } from "./step-fields.js";

/**
 * The field of `step` holding an expression with this source; undefined for none, or for a computed
 * call setting (eval's default field, the input, has the scope a setting has).
 */
export function fieldOf(step: Step, source: string): StepField | undefined {
  const call = step.call;
  const fields: Array<[StepField, CompiledValue | undefined]> = [
    ["input", step.input],
    ["args", step.args],
    ["summary", step.summary],
    ["details", step.details],
    ["headers", step.headers],
    ["searchAttributes", step.searchAttributes],
    ["when", step.when],
    ["forEach", step.forEach],
    ["repeat.until", step.repeat?.until],
    ["confirm", call.kind === "confirm" ? call.prompt : undefined],
    ["wait", call.kind === "wait" ? call.wait : undefined],
    ["with", call.kind === "uses" ? call.with : undefined],
    ...callValues(step.compensate).map((value): [StepField, CompiledValue | undefined] => ["compensate", value]),
  ];
  for (const [field, value] of fields) if (holds(value, source)) return field;
  return undefined;
}

/** An ExpressionError whose hint names the step (and field) it failed in; anything else as it is. */
export function placedInStep(error: unknown, step: Step): unknown {
  if (!(error instanceof ExpressionError)) return error;
  return error.inStep(step.id, fieldOf(step, error.source));
}

function callValues(options: CallOptions | undefined): Array<CompiledValue | undefined> {
  return options === undefined
    ? []
    : [options.input, options.args, options.summary, options.details, options.headers, options.searchAttributes];
}

function holds(value: CompiledValue | undefined, source: string): boolean {
  let found = false;
  forEachExpression(value, (expr) => {
    if (expr.source === source) found = true;
  });
  return found;
}
