/** Secret values come from the environment only; a missing or too short one stops the run before it starts. */

import { UserError } from "../base/user-error.js";
import type { Pipeline } from "../pipeline/model.js";

/**
 * The shortest secret value accepted. Every output masks each occurrence of a secret in place
 * (src/report/redact.ts); a value of 1-3 characters would turn up inside ordinary words and numbers
 * and mask half of every line, while hiding little.
 */
export const MIN_SECRET_LENGTH = 4;

/** Reads every declared secret from `env`; throws a UserError (exit 2) naming each missing or too short one. */
export function readSecrets(
  pipeline: Pipeline,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  const missing: string[] = [];
  const short: string[] = [];
  for (const [name, spec] of Object.entries(pipeline.secrets)) {
    const value = env[spec.env];
    const where = `${name} (${spec.position.file}:${spec.position.line}:${spec.position.column})`;
    if (value === undefined || value === "") missing.push(`${where} needs $${spec.env}`);
    else if (value.length < MIN_SECRET_LENGTH) short.push(`${where} from $${spec.env}`);
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
  if (short.length > 0) {
    throw new UserError(
      `secret${short.length > 1 ? "s" : ""} shorter than ${MIN_SECRET_LENGTH} characters: ${short.join("; ")}`,
      {
        hint:
          `nxrun masks every occurrence of a secret in every output, and a value this short would mask ` +
          `ordinary text everywhere; use the real credential, or pass a value that is not secret as an input (-i)`,
      },
    );
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
