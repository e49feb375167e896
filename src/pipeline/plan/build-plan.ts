/**
 * The execution plan of a pipeline: steps in topological layers (a layer's steps depend only on
 * earlier layers, so they may run in parallel), then the finally steps the same way.
 */

import { findCycles } from "../dependency-cycles.js";
import type { Pipeline, Step } from "../model.js";

export interface Plan {
  /** `steps` in layers: every step depends only on steps of earlier layers. */
  readonly layers: readonly (readonly string[])[];
  /** `steps` flattened in a dependency-respecting order (file order among equals). */
  readonly order: readonly string[];
  /** `finally` steps, layered the same way among themselves; they run after all of `steps`. */
  readonly finallyLayers: readonly (readonly string[])[];
  readonly finallyOrder: readonly string[];
  /** Every dependency edge: `from` waits for `to`. */
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly via: "needs" | "reference" }>;
}

/** Builds the plan; a cyclic pipeline (which loadPipeline never returns) is a bug and throws. */
export function buildPlan(pipeline: Pipeline): Plan {
  const main = layer(pipeline.steps);
  const fin = layer(pipeline.finally);
  const edges = [...pipeline.steps, ...pipeline.finally].flatMap((step) =>
    step.dependsOn.map((to) => ({
      from: step.id,
      to,
      via: step.needs.includes(to) ? ("needs" as const) : ("reference" as const),
    })),
  );
  return { layers: main, order: main.flat(), finallyLayers: fin, finallyOrder: fin.flat(), edges };
}

/** Kahn's algorithm by levels, keeping file order inside a layer. */
function layer(steps: readonly Step[]): string[][] {
  const ids = new Set(steps.map((s) => s.id));
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    const deps = step.dependsOn.filter((d) => ids.has(d));
    remaining.set(step.id, deps.length);
    for (const d of deps) {
      if (!dependents.has(d)) dependents.set(d, []);
      dependents.get(d)!.push(step.id);
    }
  }
  const position = new Map(steps.map((s, i) => [s.id, i]));
  const layers: string[][] = [];
  let current = steps.filter((s) => remaining.get(s.id) === 0).map((s) => s.id);
  let placed = 0;
  while (current.length > 0) {
    layers.push(current);
    placed += current.length;
    const next: string[] = [];
    for (const id of current) {
      for (const dependent of dependents.get(id) ?? []) {
        const left = remaining.get(dependent)! - 1;
        remaining.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    current = next.sort((a, b) => position.get(a)! - position.get(b)!);
  }
  if (placed !== steps.length) {
    const cycles = findCycles(
      steps.map((s) => s.id),
      steps.flatMap((s) => s.dependsOn.map((to) => ({ from: s.id, to, via: "needs" as const }))),
    );
    const shown = cycles.map((c) => [...c.map((e) => e.from), c[0]?.from].join(" → ")).join("; ");
    throw new Error(`the steps' dependencies form a cycle: ${shown}`);
  }
  return layers;
}

/** Every step `id` waits for, directly or through others. */
export function upstreamOf(pipeline: Pipeline, id: string): Set<string> {
  const byId = new Map([...pipeline.steps, ...pipeline.finally].map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return seen;
}

/** Every step that waits for `id`, directly or through others (the set a rerun from `id` runs again). */
export function downstreamOf(pipeline: Pipeline, id: string): Set<string> {
  const dependents = new Map<string, string[]>();
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    for (const dep of step.dependsOn) {
      if (!dependents.has(dep)) dependents.set(dep, []);
      dependents.get(dep)!.push(step.id);
    }
  }
  const seen = new Set<string>();
  const stack = [...(dependents.get(id) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(dependents.get(next) ?? []));
  }
  return seen;
}
