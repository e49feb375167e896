/**
 * `status` and `watch` show text a worker wrote (failure messages, outputs, heartbeat details) that
 * the run's own process masked but the server keeps as the worker sent it. They mask the secrets the
 * run declared (the manifest names their environment variables) with the values this process's
 * environment holds, and say once when it cannot: a value not set here, or a manifest that does not
 * name them.
 */
import { MIN_SECRET_LENGTH } from "../engine/secrets.js";
import type { RunManifest } from "./manifest/manifest.js";

export interface DeclaredSecrets {
  /** The values to mask. */
  readonly values: string[];
  /** One line saying why some text may hold secrets unmasked; absent when every declared secret is masked. */
  readonly warning?: string;
}

/** The values of the secrets `manifest` declares that `env` holds; undefined manifest: not known. */
export function declaredSecrets(
  manifest: RunManifest | undefined,
  env: Readonly<Record<string, string | undefined>>,
): DeclaredSecrets {
  const unmasked = "worker text below may hold secrets unmasked";
  if (manifest === undefined) {
    return { values: [], warning: `the run's manifest cannot be read, so its secrets are not known: ${unmasked}` };
  }
  const names = manifest.secretEnv;
  if (names === undefined) {
    if (manifest.secrets.length === 0) return { values: [] };
    return {
      values: [],
      warning: `the run's manifest does not say where its secrets (${manifest.secrets.join(", ")}) are read from: ${unmasked}`,
    };
  }
  const values: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const value = env[name];
    // A value the run itself would refuse (src/engine/secrets.ts) is not the run's secret.
    if (value === undefined || value.length < MIN_SECRET_LENGTH) missing.push(`$${name}`);
    else values.push(value);
  }
  if (missing.length === 0) return { values };
  return {
    values,
    warning: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set here: ${unmasked} (set ${missing.length === 1 ? "it" : "them"} as the run did to mask them)`,
  };
}
