/** A forEach step's state from its items on the server and the item count its session recorded. */
import { describe, expect, it } from "vitest";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { buildManifest } from "../../../src/runs/manifest/manifest.js";
import type { RunExecution } from "../../../src/runs/run-executions.js";
import { type RunStateName, stepViews } from "../../../src/runs/run-state.js";
import type { ExecutionStatus } from "../../../src/temporal/types.js";

const loaded = loadPipelineText(
  `
nxrun: 1
name: fan
defaults:
  taskQueue: q
steps:
  - id: fan
    forEach: "{% [1..6] %}"
    activity: Work
`,
  "/tmp/p.yaml",
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
const manifest = buildManifest(loaded.pipeline, { runId: "r", inputs: {}, compensate: true, concurrency: 4 });

/** Items 0..n-1 with the given statuses, as visibility lists them. */
function items(...statuses: ExecutionStatus[]): RunExecution[] {
  return statuses.map((status, index) => ({
    kind: "activity",
    id: `r.fan.${index}`,
    runId: `t${index}`,
    status,
    type: "Work",
    startTime: new Date(1000 + index),
    ...(status === "running" ? {} : { closeTime: new Date(2000 + index) }),
    role: { role: "item", stepId: "fan", attempt: 1, index },
  }));
}

const fan = (executions: RunExecution[], state: RunStateName, count?: number) =>
  stepViews(manifest, executions, state, count === undefined ? new Map() : new Map([["fan", count]]))[0];

describe("a forEach step's state", () => {
  it("between items of an in-progress run, with the count recorded: running, not completed", () => {
    const view = fan(items("completed", "completed"), "in progress", 6);
    expect(view).toMatchObject({ state: "running", itemCount: 6, items: { completed: 2 } });
    expect(view?.closedAt).toBeUndefined();
  });

  it("without a recorded count (an older nxrun) it counts what the server has, as before", () => {
    expect(fan(items("completed", "completed"), "in progress")?.state).toBe("completed");
  });

  it("all counted items done: completed", () => {
    const view = fan(items(...Array<ExecutionStatus>(6).fill("completed")), "in progress", 6);
    expect(view).toMatchObject({ state: "completed", itemCount: 6 });
    expect(view?.closedAt).toBeDefined();
  });

  it("a run that ended with items never started: failed, saying how many", () => {
    const view = fan(items("completed", "completed", "completed"), "stopped", 6);
    expect(view).toMatchObject({ state: "failed", failure: "3 of 6 items never started" });
  });

  it("counted but none started yet: running while the run goes on; no items at all: completed", () => {
    expect(fan([], "in progress", 6)?.state).toBe("running");
    expect(fan([], "completed", 0)?.state).toBe("completed");
    expect(fan([], "in progress")?.state).toBe("not started");
  });
});
