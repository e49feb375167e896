/**
 * `$vars`: computed once per run, in file order, after inputs; each may use the vars before it. A
 * resumed run gets back the values its first session computed (RunOptions.vars), so `$now()` or
 * `$random()` in a var gives one run one value; a var that reads a secret, directly or through a var
 * above it, is never kept and is computed again by each session.
 */
import { forEachExpression } from "../pipeline/check-references.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { Pipeline } from "../pipeline/model.js";
import type { Evaluate } from "./run-options.js";

/** `$vars` on its own (not `$vars.name`): the expression may read any var above it. */
const WHOLE_VARS = /\$vars(?!\s*\.\s*[A-Za-z_$])/;
const SECRETS = /\$secrets\b/;

/** The vars whose value may depend on a secret: never kept between sessions. */
export function secretVars(pipeline: Pipeline): Set<string> {
  const secret = new Set<string>();
  for (const { name, value } of pipeline.vars) {
    let reads = false;
    forEachExpression(value, (expr) => {
      // The source, not only the named references: `$secrets` on its own names none.
      if (SECRETS.test(expr.source) || expr.references.vars.some((v) => secret.has(v))) reads = true;
      if (WHOLE_VARS.test(expr.source) && secret.size > 0) reads = true;
    });
    if (reads) secret.add(name);
  }
  return secret;
}

/**
 * The vars of `pipeline` in `scope`: a var in `restored` takes that value (a secret var never
 * does), the others are evaluated.
 */
export async function computeVars(
  pipeline: Pipeline,
  scope: Scope,
  evaluate: Evaluate,
  restored: Readonly<Record<string, unknown>> = {},
): Promise<Record<string, unknown>> {
  const secret = Object.keys(restored).length > 0 ? secretVars(pipeline) : new Set<string>();
  const vars: Record<string, unknown> = {};
  for (const { name, value } of pipeline.vars) {
    if (Object.hasOwn(restored, name) && !secret.has(name)) vars[name] = restored[name];
    else vars[name] = await evaluate(value, { ...scope, vars: { ...vars } });
  }
  return vars;
}
