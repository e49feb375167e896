/** A pipeline's plan as Mermaid or Graphviz dot text, for `nxrun graph`. */
import { formatDuration } from "../duration.js";
import type { Pipeline, Step } from "../model.js";
import { buildPlan } from "./build-plan.js";

function describeCall(step: Step): string {
  switch (step.call.kind) {
    case "activity":
      return `activity ${step.call.activityType}`;
    case "nexus":
      return `nexus ${step.call.service}.${step.call.operation}`;
    case "confirm":
      return "confirm";
    case "uses":
      return `uses ${step.call.pipeline.name}`;
    case "wait":
      return step.call.wait.kind === "literal" ? `wait ${String(step.call.wait.value)}` : "wait (computed)";
    default: {
      const never: never = step.call;
      throw new Error(`unknown call ${JSON.stringify(never)}`);
    }
  }
}

/** Extra lines per step ID, e.g. the task queues a computed `taskQueue` gives (src/cli/graph.ts). */
export type StepNotes = ReadonlyMap<string, readonly string[]>;

function details(step: Step, notes?: StepNotes): string[] {
  const lines = [describeCall(step), ...(notes?.get(step.id) ?? [])];
  if (step.forEach) lines.push("forEach");
  if (step.when) lines.push("when");
  if (step.repeat) lines.push(`repeat every ${formatDuration(step.repeat.every)}`);
  if (step.compensate) lines.push("compensated");
  return lines;
}

/** Mermaid flowchart: one node per step, an edge per dependency, finally steps in their own box. */
export function toMermaid(pipeline: Pipeline, notes?: StepNotes): string {
  const plan = buildPlan(pipeline);
  const quote = (s: string) => s.replace(/"/g, "#quot;");
  const node = (s: Step) => {
    const label = quote([s.id, ...details(s, notes)].join("<br/>"));
    return s.call.kind === "confirm" ? `${s.id}{"${label}"}` : `${s.id}["${label}"]`;
  };
  const lines = ["flowchart TD"];
  for (const s of pipeline.steps) lines.push(`  ${node(s)}`);
  for (const s of pipeline.steps) if (s.call.kind === "uses") mermaidUses(s, s.call.pipeline, s.id, lines);
  if (pipeline.finally.length > 0) {
    lines.push("  subgraph finally");
    for (const s of pipeline.finally) lines.push(`    ${node(s)}`);
    lines.push("  end");
  }
  for (const e of plan.edges) lines.push(`  ${e.to} ${e.via === "needs" ? "==>" : "-->"} ${e.from}`);
  if (pipeline.finally.length > 0) {
    // finally waits for every step: draw it from the steps nothing else waits for.
    const waitedFor = new Set(pipeline.steps.flatMap((s) => s.dependsOn));
    for (const s of pipeline.steps) if (!waitedFor.has(s.id)) lines.push(`  ${s.id} -.-> finally`);
  }
  return `${lines.join("\n")}\n`;
}

/** A uses step's pipeline as a subgraph next to its node (node IDs prefixed: `db__create`), at any depth. */
function mermaidUses(step: Step, used: Pipeline, prefix: string, lines: string[]): void {
  const quote = (s: string) => s.replace(/"/g, "#quot;");
  const id = (s: Step) => `${prefix}__${s.id}`;
  lines.push(`  subgraph ${prefix}__uses["${quote(`${step.id}: ${used.name}`)}"]`);
  for (const s of [...used.steps, ...used.finally])
    lines.push(`    ${id(s)}["${quote([s.id, ...details(s)].join("<br/>"))}"]`);
  lines.push("  end");
  lines.push(`  ${prefix} -.- ${prefix}__uses`);
  for (const e of buildPlan(used).edges) lines.push(`  ${prefix}__${e.to} --> ${prefix}__${e.from}`);
  for (const s of used.steps) if (s.call.kind === "uses") mermaidUses(s, s.call.pipeline, id(s), lines);
}

/** Graphviz dot: the same graph; render with `dot -Tsvg`. */
export function toDot(pipeline: Pipeline, notes?: StepNotes): string {
  const plan = buildPlan(pipeline);
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const node = (s: Step, indent: string) =>
    `${indent}${q(s.id)} [label=${q([s.id, ...details(s, notes)].join("\\n")).replace(/\\\\n/g, "\\n")}${s.call.kind === "confirm" ? ", shape=diamond" : ", shape=box"}];`;
  const lines = [`digraph ${q(pipeline.name)} {`, "  rankdir=TB;"];
  for (const s of pipeline.steps) lines.push(node(s, "  "));
  // A uses step's pipeline as a cluster of its own, its nodes prefixed (`db.create`), at any depth.
  const usesCluster = (step: Step, used: Pipeline, prefix: string): void => {
    lines.push(
      `  subgraph ${q(`cluster_${prefix}`)} {`,
      `    label=${q(`${step.id}: ${used.name}`)};`,
      "    style=dotted;",
    );
    for (const s of [...used.steps, ...used.finally]) lines.push(node({ ...s, id: `${prefix}.${s.id}` }, "    "));
    lines.push("  }");
    for (const e of buildPlan(used).edges) lines.push(`  ${q(`${prefix}.${e.to}`)} -> ${q(`${prefix}.${e.from}`)};`);
    for (const s of used.steps) if (s.call.kind === "uses") usesCluster(s, s.call.pipeline, `${prefix}.${s.id}`);
  };
  for (const s of pipeline.steps) if (s.call.kind === "uses") usesCluster(s, s.call.pipeline, s.id);
  if (pipeline.finally.length > 0) {
    lines.push("  subgraph cluster_finally {", '    label="finally";', "    style=dashed;");
    for (const s of pipeline.finally) lines.push(node(s, "    "));
    lines.push("  }");
  }
  for (const e of plan.edges) lines.push(`  ${q(e.to)} -> ${q(e.from)}${e.via === "needs" ? " [style=bold]" : ""};`);
  if (pipeline.finally.length > 0) {
    const waitedFor = new Set(pipeline.steps.flatMap((s) => s.dependsOn));
    const firstFinally = pipeline.finally.filter((s) => s.dependsOn.length === 0);
    for (const s of pipeline.steps) {
      if (waitedFor.has(s.id)) continue;
      for (const f of firstFinally) lines.push(`  ${q(s.id)} -> ${q(f.id)} [style=dashed];`);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
