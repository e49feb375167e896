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
  it("hangs each step under its deepest dependency, siblings in plan order", () => {
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
    ).toEqual([
      "a",
      "├ b",
      "│ └ d (after a)",
      "└ c",
      "  └ f (after e)",
      "e",
      "[finally]",
      "cleanup",
      "[compensate]",
      "a",
    ]);
  });

  it("continues the tree's lines under a step with children", () => {
    const [section] = layoutSteps([step("a", []), step("b", ["a"]), step("c", ["a"])]);
    expect(section?.rows.map((row) => JSON.stringify(row.continuation))).toEqual(['"│ "', '"│   "', '"    "']);
  });
});
