/**
 * Digests of a pipeline's definition, for the run manifest: one per step and one for the whole
 * pipeline. They hash the loaded model (defaults merged, expressions by their source text), not the
 * YAML text, so moving a step, re-indenting or adding a comment changes nothing, while a changed
 * input, timeout, default or dependency does.
 */
import { createHash } from "node:crypto";
import type { Pipeline, Step } from "../../pipeline/model.js";

/** Keys left out of a digest: where something is written, and the compiled form of an expression (its source is kept). */
const IGNORED_KEYS = new Set(["position", "compiled", "references", "file"]);

/** JSON with object keys sorted and positions left out: the same definition always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([key, v]) => v !== undefined && !IGNORED_KEYS.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(",")}}`;
}

/** 64 bits of SHA-256 as hex: plenty to tell two definitions apart, small enough for 1,000 steps. */
function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The digest of one step's definition (call, input, timeouts, retry, when, forEach, compensate, dependencies...). */
export function stepDigest(step: Step): string {
  return digestOf(canonicalJson(step));
}

/** The digest of everything that decides what a run does: inputs' schemas, secrets, vars, every step, outputs. */
export function pipelineDigest(pipeline: Pipeline): string {
  return digestOf(
    canonicalJson({
      version: pipeline.version,
      name: pipeline.name,
      inputs: pipeline.inputs,
      secrets: pipeline.secrets,
      vars: pipeline.vars,
      timeout: pipeline.timeout,
      concurrency: pipeline.concurrency,
      steps: pipeline.steps.map(stepDigest),
      finally: pipeline.finally.map(stepDigest),
      outputs: pipeline.outputs,
    }),
  );
}
