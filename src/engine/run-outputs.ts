/**
 * The run's `outputs`. A completed run has all of them, or fails when one cannot be evaluated. A run
 * that did not complete has those it produced: each output whose expressions read only steps that
 * completed (not failed, skipped or compensated), and none that reads `$steps` whole, since which
 * steps that reaches cannot be known.
 */
import { forEachExpression } from "../pipeline/check-references.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import type { Pipeline } from "../pipeline/model.js";
import type { RunContext } from "./run-context.js";

/** `$steps` on its own (not `$steps.id`): the expression may read any step. */
const WHOLE_STEPS = /\$steps(?!\s*\.\s*[A-Za-z_$`])/;

/** Every output of a completed run; throws when one cannot be evaluated. */
export async function allOutputs(ctx: RunContext, pipeline: Pipeline): Promise<Record<string, unknown>> {
  const outputs: Record<string, unknown> = {};
  for (const { name, value } of pipeline.outputs) outputs[name] = await ctx.evaluate(value, ctx.scope());
  return outputs;
}

/** The outputs a run that did not complete produced; undefined when none. */
export async function producedOutputs(
  ctx: RunContext,
  pipeline: Pipeline,
): Promise<Record<string, unknown> | undefined> {
  const outputs: Record<string, unknown> = {};
  for (const { name, value } of pipeline.outputs) {
    if (!readsOnlyCompletedSteps(ctx, value)) continue;
    try {
      const result = await ctx.evaluate(value, ctx.scope());
      if (result !== undefined) outputs[name] = result;
    } catch {
      // The run has already failed for its own reason; an output it could not make is left out, not guessed.
    }
  }
  return Object.keys(outputs).length > 0 ? outputs : undefined;
}

function readsOnlyCompletedSteps(ctx: RunContext, value: CompiledValue): boolean {
  let only = true;
  forEachExpression(value, (expr) => {
    if (WHOLE_STEPS.test(expr.source)) only = false;
    for (const id of expr.references.steps) if (ctx.records.get(id)?.status !== "completed") only = false;
  });
  return only;
}
