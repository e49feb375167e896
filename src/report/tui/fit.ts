/**
 * Fitting a run that is taller than the terminal. Ink redraws its live region by moving the cursor up
 * over it, which works only while the region is shorter than the terminal (src/report/tui/mount.tsx
 * keeps Ink from ever clearing the screen instead). So when the steps do not fit, what no longer fits
 * is printed once above the live region, as cargo and `docker compose` do: the header, then finished
 * steps in plan order (failed ones last, so trouble stays in view longest). When what is left still
 * does not fit, the live region puts trouble first: failed steps and steps in trouble with their
 * detail lines, then running steps, then one line counting what is not shown.
 *
 * Pure: the same sections, printed keys and room give the same answer.
 */
import { isFailure } from "../format.js";
import type { StepView } from "./store.js";
import type { TreeRow, TreeSection } from "./tree.js";

/** What was printed above the live region, in order: each is printed once and never redrawn. */
export type Printed = { kind: "header" } | { kind: "step"; key: string; row: TreeRow };

/** The steps a compact live region leaves out, counted on one line. */
export interface LeftOut {
  trouble: number;
  running: number;
  pending: number;
  /** Finished steps, drawn above (or, before that, not shown). */
  done: number;
}

export interface LiveSteps {
  /** Sections of the live region: the tree of what is left, or (compact) one flat list, trouble first. */
  sections: TreeSection[];
  /** Compact only: the count line under the rows. */
  leftOut?: LeftOut;
}

export interface Fitted {
  /** Newly printed entries, to append above the live region. */
  print: Printed[];
  live: LiveSteps;
}

export interface FitInput {
  /** Every step, laid out (tree.ts layoutSteps). */
  sections: readonly TreeSection[];
  /** Keys of steps already printed above the live region. */
  printed: ReadonlySet<string>;
  headerPrinted: boolean;
  /** Lines the header takes in the live region while it is not printed (with the gap below it). */
  headerLines: number;
  /** Lines the live region has for the header and the steps. */
  room: number;
  linesOf(row: TreeRow): number;
}

/** A step that may still change: pending or running. */
function live(step: StepView): boolean {
  return step.status === "pending" || step.status === "running";
}

/** A running step with something wrong: retrying, late, waiting, failing items. */
export function inTrouble(step: StepView): boolean {
  if (step.status !== "running") return false;
  return (
    step.error !== undefined ||
    step.progress?.trouble === true ||
    (step.trouble?.count ?? 0) > 0 ||
    (step.items?.failed ?? 0) > 0
  );
}

function without(sections: readonly TreeSection[], keys: ReadonlySet<string>): TreeSection[] {
  if (keys.size === 0) return sections.map((section) => ({ ...section, rows: [...section.rows] }));
  return sections.map((section) => ({ ...section, rows: section.rows.filter((row) => !keys.has(row.step.key)) }));
}

function treeLines(sections: readonly TreeSection[], linesOf: (row: TreeRow) => number): number {
  let lines = 0;
  for (const section of sections) {
    if (section.rows.length === 0) continue;
    if (section.title) lines += 1;
    for (const row of section.rows) lines += linesOf(row);
  }
  return lines;
}

const flat = (row: TreeRow): TreeRow => ({ ...row, prefix: "", continuation: "" });

/** Decides what to print above the live region and what the live region shows. */
export function fitSteps(input: FitInput): Fitted {
  const { linesOf, room } = input;
  let current = without(input.sections, input.printed);
  const header = input.headerPrinted ? 0 : input.headerLines;
  if (header + treeLines(current, linesOf) <= room) return { print: [], live: { sections: current } };

  const print: Printed[] = input.headerPrinted ? [] : [{ kind: "header" }];
  const printNow = new Set<string>();
  const printRow = (row: TreeRow) => {
    print.push({ kind: "step", key: row.step.key, row: flat(row) });
    printNow.add(row.step.key);
  };
  const rows = current.flatMap((section) => section.rows);
  const finishedWell = rows.filter((row) => !live(row.step) && !isFailure(row.step.status));
  for (const row of finishedWell) {
    if (treeLines(current, linesOf) <= room) break;
    printRow(row);
    current = without(current, new Set([row.step.key]));
  }
  if (treeLines(current, linesOf) <= room) return { print, live: { sections: current } };

  // Compact: the tree no longer fits even without the steps that finished well.
  for (const row of finishedWell) if (!printNow.has(row.step.key)) printRow(row);
  const left = current.flatMap((section) => section.rows).filter((row) => !printNow.has(row.step.key));
  const failed = left.filter((row) => isFailure(row.step.status));
  const trouble = left.filter((row) => inTrouble(row.step));
  const running = left.filter((row) => row.step.status === "running" && !inTrouble(row.step));
  const pending = left.filter((row) => row.step.status === "pending").length;
  const finishedTotal = input.sections.reduce(
    (sum, section) => sum + section.rows.filter((row) => !live(row.step)).length,
    0,
  );
  // One line for the counts; failed steps that do not fit are printed (they are finished), the others counted.
  let budget = room - 1;
  const shownFailed: TreeRow[] = [];
  const failedLines = failed.reduce((sum, row) => sum + linesOf(row), 0);
  const troubleLines = trouble.reduce((sum, row) => sum + linesOf(row), 0);
  let failedLeft = failedLines;
  for (const row of failed) {
    if (failedLeft + troubleLines <= budget) {
      shownFailed.push(row);
    } else {
      printRow(row);
      failedLeft -= linesOf(row);
    }
  }
  budget -= failedLeft;
  const take = (list: TreeRow[]) => {
    const shown: TreeRow[] = [];
    for (const row of list) {
      const lines = linesOf(row);
      if (lines > budget) break;
      shown.push(row);
      budget -= lines;
    }
    return shown;
  };
  const shownTrouble = take(trouble);
  const shownRunning = shownTrouble.length === trouble.length ? take(running) : [];
  const shown = [...shownFailed, ...shownTrouble, ...shownRunning].map(flat);
  const shownFinished = shownFailed.length;
  return {
    print,
    live: {
      sections: [{ rows: shown }],
      leftOut: {
        trouble: trouble.length - shownTrouble.length,
        running: running.length - shownRunning.length,
        pending,
        done: finishedTotal - shownFinished,
      },
    },
  };
}
