/**
 * Each step's dependsOn: the steps it waits for, from its `needs` (checked here: unknown, itself, a
 * finally step from steps) and from the `$steps.<id>` its expressions read (the implicit dependencies
 * check-expression.ts collects). Then the dependency cycles, each reported whole, edge by edge.
 */

import type { SourcePosition } from "../base/source-position.js";
import type { DraftPipeline, DraftStep } from "./build-model.js";
import type { PipelineNames } from "./check-expression.js";
import { type DependencyEdge, findCycles } from "./dependency-cycles.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { didYouMean } from "./did-you-mean.js";
import type { YamlFile } from "./yaml-source.js";

type Edge = DependencyEdge<() => SourcePosition>;

/** Sets `step.dependsOn` from its needs and the steps its expressions read (`found`); returns the edges. */
export function computeDependsOn(
  src: YamlFile,
  pipeline: DraftPipeline,
  step: DraftStep,
  found: ReadonlyMap<string, () => SourcePosition>,
  names: PipelineNames,
  out: DiagnosticList,
): Edge[] {
  const { allIds, mainIds, finallyIds } = names;
  const sectionIds = step.section === "steps" ? mainIds : finallyIds;
  const name = `${step.section === "finally" ? "finally step" : "step"} "${step.id}"`;
  const edges: Edge[] = [];
  const dependsOn = new Set<string>();
  step.needs.forEach((need, i) => {
    const at = () => src.valuePosition([step.section, indexIn(pipeline, step), "needs", i]);
    if (need === step.id) {
      out.error(Codes.badNeeds, `${name} needs itself`, at(), "remove it from needs");
    } else if (!allIds.has(need)) {
      out.error(
        Codes.badNeeds,
        `${name} needs unknown step "${need}"`,
        at(),
        didYouMean(need, allIds) ?? "needs lists step IDs",
      );
    } else if (step.section === "steps" && finallyIds.has(need)) {
      out.error(
        Codes.badNeeds,
        `${name} needs finally step "${need}", which runs after every step`,
        at(),
        "remove it from needs",
      );
    } else if (sectionIds.has(need)) {
      dependsOn.add(need);
      edges.push({ from: step.id, to: need, via: "needs", position: at });
    }
    // A finally step needing a main step: all of steps have finished before finally starts.
  });
  for (const [id, at] of found) {
    if (!sectionIds.has(id)) continue;
    if (!dependsOn.has(id)) edges.push({ from: step.id, to: id, via: "reference", position: at });
    dependsOn.add(id);
  }
  step.dependsOn = [...dependsOn];
  return edges;
}

/** Reports every cycle among the steps of each section. */
export function reportCycles(pipeline: DraftPipeline, edges: readonly Edge[], out: DiagnosticList): void {
  for (const section of [pipeline.steps, pipeline.finally]) {
    const ids = section.map((s) => s.id);
    const idSet = new Set(ids);
    for (const cycle of findCycles(
      ids,
      edges.filter((e) => idSet.has(e.from)),
    ))
      reportCycle(cycle, out);
  }
}

function reportCycle(cycle: Edge[], out: DiagnosticList): void {
  const first = cycle[0];
  if (!first?.position) return;
  const where = (e: Edge) => e.position?.();
  const chain = [...cycle.map((e) => e.from), first.from].join(" → ");
  const detail = cycle
    .map(
      (e) =>
        `${e.from} waits for ${e.to} (${e.via === "needs" ? "needs" : `$steps.${e.to}`} at line ${where(e)?.line}:${where(e)?.column})`,
    )
    .join("; ");
  out.error(
    Codes.cycle,
    `steps wait for each other in a cycle: ${chain}`,
    first.position(),
    `${detail}. Break one of these dependencies`,
  );
}

const indexCache = new WeakMap<DraftPipeline, Map<DraftStep, number>>();
/** A step's index in its section (steps: or finally:), for positions in the file. */
export function indexIn(pipeline: DraftPipeline, step: DraftStep): number {
  let map = indexCache.get(pipeline);
  if (!map) {
    map = new Map();
    for (const [i, s] of pipeline.steps.entries()) map.set(s, i);
    for (const [i, s] of pipeline.finally.entries()) map.set(s, i);
    indexCache.set(pipeline, map);
  }
  return map.get(step) ?? 0;
}
