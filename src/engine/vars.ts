/** `$vars`: computed once, in file order, after inputs; each may use the vars before it. */
import type { Scope } from "../pipeline/expr/scope.js";
import type { Pipeline } from "../pipeline/model.js";
import type { Evaluate } from "./run-options.js";

export async function computeVars(
  pipeline: Pipeline,
  scope: Scope,
  evaluate: Evaluate,
): Promise<Record<string, unknown>> {
  const vars: Record<string, unknown> = {};
  for (const { name, value } of pipeline.vars) {
    vars[name] = await evaluate(value, { ...scope, vars: { ...vars } });
  }
  return vars;
}
