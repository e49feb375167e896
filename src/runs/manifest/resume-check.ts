/**
 * What a resume compares between the run's manifest and what it is given now: the pipeline's steps
 * (by digest) and the inputs. Pure functions; src/runs/run-session.ts turns their findings into errors.
 */
import type { Pipeline } from "../../pipeline/model.js";
import { downstreamOf } from "../../pipeline/plan/build-plan.js";
import { canonicalJson, stepDigest } from "./digest.js";
import type { RunManifest } from "./manifest.js";

export interface StepChange {
  readonly id: string;
  readonly change: "changed" | "added" | "removed";
}

/** The steps whose definition differs from the manifest's, in the manifest's plan order, then the added ones. */
export function stepChanges(manifest: RunManifest, pipeline: Pipeline): StepChange[] {
  const now = new Map([...pipeline.steps, ...pipeline.finally].map((s) => [s.id, stepDigest(s)]));
  const changes: StepChange[] = [];
  for (const step of manifest.steps) {
    const digest = now.get(step.id);
    if (digest === undefined) changes.push({ id: step.id, change: "removed" });
    else if (digest !== step.digest) changes.push({ id: step.id, change: "changed" });
  }
  const before = new Set(manifest.steps.map((s) => s.id));
  for (const id of now.keys()) if (!before.has(id)) changes.push({ id, change: "added" });
  return changes;
}

export interface InputConflict {
  readonly name: string;
  readonly recorded: unknown;
  readonly given: unknown;
}

/** The inputs given now (by -i or --inputs) whose value differs from the one the run was started with. */
export function inputConflicts(
  recorded: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, unknown>>,
): InputConflict[] {
  return Object.entries(given)
    .filter(([name, value]) => !(name in recorded) || canonicalJson(recorded[name]) !== canonicalJson(value))
    .map(([name, value]) => ({ name, recorded: recorded[name], given: value }));
}

/** A `--from` naming a step inside a sub-pipeline (`db.migrate`): the uses step it is under. */
export interface InsideUses {
  readonly id: string;
  /** The top-level uses step. */
  readonly usesStep: string;
  /** The steps of its sub-pipeline, by ID. */
  readonly subSteps: readonly string[];
}

/**
 * What `--from` reruns: each named step and everything downstream of it, and every `finally` step
 * (they run after the steps, as in a fresh run). Step IDs not in the pipeline are returned apart;
 * among them, `inside` are those that name a step of a used pipeline (`db.migrate`), which a rerun
 * cannot single out: a uses step's sub-steps run under its key (`<run>.db.migrate`), and only
 * top-level steps carry a rerun attempt in the run's manifest.
 */
export function rerunSet(
  pipeline: Pipeline,
  from: readonly string[],
): { rerun: Set<string>; unknown: string[]; inside: InsideUses[] } {
  const ids = new Set(pipeline.steps.map((s) => s.id));
  const unknown = from.filter((id) => !ids.has(id));
  const rerun = new Set<string>();
  for (const id of from.filter((f) => ids.has(f))) {
    rerun.add(id);
    for (const d of downstreamOf(pipeline, id)) rerun.add(d);
  }
  for (const step of pipeline.finally) rerun.add(step.id);
  const inside = unknown.flatMap((id) => {
    const found = usesStepOf(pipeline, id);
    return found ? [{ id, ...found }] : [];
  });
  return { rerun, unknown, inside };
}

/** The top-level uses step `a` that `a.b[.c...]` names a step under, at any depth. */
function usesStepOf(pipeline: Pipeline, id: string): { usesStep: string; subSteps: string[] } | undefined {
  const [head, ...rest] = id.split(".");
  const step = pipeline.steps.find((s) => s.id === head);
  if (step?.call.kind !== "uses" || rest.length === 0) return undefined;
  const used = step.call.pipeline;
  const subSteps = [...used.steps, ...used.finally].map((s) => s.id);
  const inner = rest.join(".");
  if (!subSteps.includes(inner) && !usesStepOf(used, inner)) return undefined;
  return { usesStep: step.id, subSteps };
}
