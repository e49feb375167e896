/**
 * Lays the plan out as a tree: each step hangs under its deepest dependency (the one that finishes
 * the chain it waits on), siblings in plan order; a step that is its parent's only child stays in
 * the parent's column, so only branches indent. A step that waits on more than one step says so
 * ("after a, b") since a tree can draw only one parent.
 */
import type { StepView } from "./store.js";

export interface TreeRow {
  step: StepView;
  /** Drawn before the step's mark: `│ ├ `. */
  prefix: string;
  /** Drawn before the step's detail lines (failure, items), continuing the tree's lines (one column deeper). */
  continuation: string;
  /** Dependencies other than the drawn parent. */
  alsoAfter: string[];
}

export interface TreeSection {
  title?: string;
  rows: TreeRow[];
}

/** The sections of the view: the main steps as a tree, then finally and compensation steps as lists. */
export function layoutSteps(all: readonly StepView[]): TreeSection[] {
  // A used pipeline's steps (and finally steps) are drawn under their uses step, not in the run's lists.
  const nested = all.filter((step) => step.parent !== undefined && step.section !== "compensate");
  const steps = all.filter((step) => step.parent === undefined || step.section === "compensate");
  const main = steps.filter((step) => step.section === "steps");
  const sections: TreeSection[] = [{ rows: withNested(treeRows(main), nested) }];
  const finallySteps = steps.filter((step) => step.section === "finally");
  if (finallySteps.length > 0) sections.push({ title: "finally", rows: flatRows(finallySteps) });
  const compensations = steps.filter((step) => step.section === "compensate");
  if (compensations.length > 0) sections.push({ title: "compensate", rows: flatRows(compensations) });
  return sections;
}

/** Each row followed by the rows of the steps nested under it (a uses step's), at any depth. */
function withNested(rows: readonly TreeRow[], nested: readonly StepView[]): TreeRow[] {
  if (nested.length === 0) return [...rows];
  const byParent = new Map<string, StepView[]>();
  for (const step of nested) {
    const list = byParent.get(step.parent as string) ?? [];
    list.push(step);
    byParent.set(step.parent as string, list);
  }
  const out: TreeRow[] = [];
  const add = (row: TreeRow): void => {
    out.push(row);
    for (const child of byParent.get(row.step.id) ?? []) {
      // Items of a forEach over uses are `db[0].x`: nested under `db` as well.
      add({ step: child, prefix: `${row.continuation}`, continuation: `${row.continuation}  `, alsoAfter: [] });
    }
  };
  for (const row of rows) add(row);
  return out;
}

function flatRows(steps: readonly StepView[]): TreeRow[] {
  return steps.map((step) => ({ step, prefix: "", continuation: "", alsoAfter: [] }));
}

function treeRows(steps: readonly StepView[]): TreeRow[] {
  const position = new Map(steps.map((step, index) => [step.id, index]));
  const depth = new Map<string, number>();
  const parent = new Map<string, string>();
  for (const step of steps) {
    let best: string | undefined;
    for (const dependency of step.dependsOn) {
      // Only dependencies drawn before this step can be its parent (the plan is in topological order).
      if (!depth.has(dependency)) continue;
      if (
        best === undefined ||
        depth.get(dependency)! > depth.get(best)! ||
        (depth.get(dependency) === depth.get(best) && position.get(dependency)! > position.get(best)!)
      ) {
        best = dependency;
      }
    }
    depth.set(step.id, best === undefined ? 0 : depth.get(best)! + 1);
    if (best !== undefined) parent.set(step.id, best);
  }
  const children = new Map<string | undefined, StepView[]>();
  for (const step of steps) {
    const key = parent.get(step.id);
    const list = children.get(key) ?? [];
    list.push(step);
    children.set(key, list);
  }
  const rows: TreeRow[] = [];
  const visit = (step: StepView, lead: string, connector: string, below: string): void => {
    const drawnParent = parent.get(step.id);
    const kids = children.get(step.id) ?? [];
    const branches = kids.length > 1;
    rows.push({
      step,
      prefix: lead + connector,
      // Detail lines sit above the children, so the line down to the first branch continues through them.
      continuation: lead + below + (branches ? "│ " : "  "),
      alsoAfter: step.dependsOn.filter((dependency) => dependency !== drawnParent),
    });
    if (!branches) {
      // A chain stays in its column: nesting is only where the graph branches, so a 50-step
      // runbook is a flat list and not a staircase.
      const only = kids[0];
      if (only) visit(only, lead + below, "", "");
      return;
    }
    kids.forEach((child, index) => {
      const last = index === kids.length - 1;
      visit(child, lead + below, last ? "└ " : "├ ", last ? "  " : "│ ");
    });
  };
  for (const root of children.get(undefined) ?? []) visit(root, "", "", "");
  return rows;
}
