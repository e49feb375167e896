/** Secret values come from the environment only; a missing one stops the run before it starts. */

import { UserError } from "../base/user-error.js";
import type { Pipeline } from "../pipeline/model.js";

/** Reads every declared secret from `env`; throws a UserError (exit 2) naming each missing variable. */
export function readSecrets(
  pipeline: Pipeline,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(pipeline.secrets)) {
    const value = env[spec.env];
    if (value === undefined || value === "")
      missing.push(`${name} (${spec.position.file}:${spec.position.line}:${spec.position.column}) needs $${spec.env}`);
    else secrets[name] = value;
  }
  if (missing.length > 0) {
    const vars = Object.values(pipeline.secrets)
      .filter((s) => !env[s.env])
      .map((s) => s.env);
    throw new UserError(`missing secret${missing.length > 1 ? "s" : ""}: ${missing.join("; ")}`, {
      hint: `set ${vars.map((v) => `${v}=...`).join(" ")} in the environment (secrets are read only from environment variables)`,
    });
  }
  return secrets;
}

/** The pipelines a pipeline uses (uses:), at any depth, each once. */
export function usedPipelines(pipeline: Pipeline): Pipeline[] {
  const found = new Map<string, Pipeline>();
  const walk = (p: Pipeline) => {
    for (const step of [...p.steps, ...p.finally]) {
      if (step.call.kind !== "uses" || found.has(step.call.file)) continue;
      found.set(step.call.file, step.call.pipeline);
      walk(step.call.pipeline);
    }
  };
  walk(pipeline);
  return [...found.values()];
}

/** The secrets of every used pipeline, by file: a run needs them all before it starts. */
export function readUsedSecrets(
  pipeline: Pipeline,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, Record<string, string>> {
  return new Map(usedPipelines(pipeline).map((used) => [used.file, readSecrets(used, env)]));
}
