import { describe, expect, it } from "vitest";
import type { StepView } from "../../../src/report/tui/store.js";
import { layoutSteps } from "../../../src/report/tui/tree.js";

function step(id: string, dependsOn: string[], section: StepView["section"] = "steps"): StepView {
  return {
    key: `${section}:${id}`,
    id,
    section,
    kind: "activity",
    forEach: false,
    dependsOn,
    status: "pending",
    failingItems: [],
  };
}

function draw(steps: StepView[]): string[] {
  return layoutSteps(steps).flatMap((section) => [
    ...(section.title ? [`[${section.title}]`] : []),
    ...section.rows.map(
      (row) => `${row.prefix}${row.step.id}${row.alsoAfter.length ? ` (after ${row.alsoAfter.join(", ")})` : ""}`,
    ),
  ]);
}

describe("layoutSteps", () => {
  it("hangs each step under its deepest dependency, siblings in plan order; an only child stays in its parent's column", () => {
    expect(
      draw([
        step("a", []),
        step("b", ["a"]),
        step("c", ["a"]),
        step("d", ["b", "a"]),
        step("e", []),
        step("f", ["c", "e"]),
        step("cleanup", [], "finally"),
        step("a", [], "compensate"),
      ]),
    ).toEqual(["a", "├ b", "│ d (after a)", "└ c", "  f (after e)", "e", "[finally]", "cleanup", "[compensate]", "a"]);
  });

  it("continues the tree's lines under a step with children", () => {
    const [section] = layoutSteps([step("a", []), step("b", ["a"]), step("c", ["a"])]);
    expect(section?.rows.map((row) => JSON.stringify(row.continuation))).toEqual(['"│ "', '"│   "', '"    "']);
  });

  it("draws a chain as a flat list and indents only where the graph branches", () => {
    const chain = Array.from({ length: 50 }, (_, index) => step(`s${index}`, index === 0 ? [] : [`s${index - 1}`]));
    expect(draw(chain)).toEqual(chain.map((s) => s.id));
    const fanOut = [
      step("root", []),
      ...Array.from({ length: 20 }, (_, index) => step(`b${index}`, ["root"])),
      step(
        "join",
        Array.from({ length: 20 }, (_, index) => `b${index}`),
      ),
    ];
    const rows = draw(fanOut);
    expect(rows.slice(0, 3)).toEqual(["root", "├ b0", "├ b1"]);
    expect(rows.at(-2)).toBe("└ b19");
    expect(rows.at(-1)).toMatch(/^ {2}join \(after b0, b1, .*b18\)$/);
    // Every name starts within two columns of the left edge: one level of nesting, at the branch.
    expect(rows.every((row) => row.search(/[a-z]/) <= 2)).toBe(true);
  });
});
