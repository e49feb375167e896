/**
 * What `nxrun run` knows before it connects: the inputs and vars as far as they are known, and the
 * problems of every value that depends only on them (src/pipeline/before-run-check.ts). A problem
 * stops the run with nothing started: exit 2. (The run computes its vars itself, once per run: a
 * resume restores them, src/engine/vars.ts.)
 */

import { type KnownScope, knownScope } from "../pipeline/before-run.js";
import { checkBeforeRun } from "../pipeline/before-run-check.js";
import type { Diagnostic } from "../pipeline/diagnostic.js";
import type { CompiledValue } from "../pipeline/expr/compiled.js";
import { evaluate } from "../pipeline/expr/evaluate.js";
import type { Scope } from "../pipeline/expr/scope.js";
import type { Pipeline } from "../pipeline/model.js";

export interface BeforeRun {
  /** The inputs and vars as the run will see them. */
  readonly known: KnownScope;
  readonly problems: readonly Diagnostic[];
}

export async function beforeRun(
  pipeline: Pipeline,
  options: {
    runId: string;
    inputs: Record<string, unknown>;
    /** The inputs are the run's: one not among them is absent. False while a resume may still add some. */
    inputsFinal: boolean;
    secrets: Record<string, string>;
    usedSecrets: ReadonlyMap<string, Record<string, string>>;
    confirmAnswered: boolean;
  },
): Promise<BeforeRun> {
  const evaluateIn = async (value: CompiledValue, scope: Scope) => evaluate(value, scope);
  const base: Scope = {
    inputs: options.inputs,
    vars: {},
    secrets: options.secrets,
    steps: {},
    run: { id: options.runId, name: pipeline.name, startedAt: new Date().toISOString() },
  };
  const known = await knownScope(pipeline, base, evaluateIn, { secretsKnown: true, inputsFinal: options.inputsFinal });
  const problems = await checkBeforeRun(pipeline, known, evaluateIn, {
    confirmAnswered: options.confirmAnswered,
    usedSecrets: options.usedSecrets,
  });
  return { known, problems };
}
