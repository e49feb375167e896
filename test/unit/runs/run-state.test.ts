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

describe("a uses step's state, from its sub-steps' executions", () => {
  const usesManifest = (attempt = 1) =>
    buildManifest(
      {
        ...loaded.pipeline,
        steps: [
          {
            ...loaded.pipeline.steps[0]!,
            id: "db",
            forEach: undefined,
            call: { kind: "uses", file: "/db.yaml", pipeline: { ...loaded.pipeline, steps: [], finally: [] } } as never,
          },
          { ...loaded.pipeline.steps[0]!, id: "after", forEach: undefined, dependsOn: ["db"] },
        ],
      },
      { runId: "r", inputs: {}, compensate: true, concurrency: 4, attempts: new Map([["db", attempt]]) },
    );
  const sub = (stepId: string, status: ExecutionStatus, at = 1): RunExecution => ({
    kind: "activity",
    id: `r.${stepId}`,
    runId: `t-${stepId}`,
    status,
    type: "Work",
    startTime: new Date(1000 * at),
    ...(status === "running" ? {} : { closeTime: new Date(1000 * at + 500) }),
    role: { role: "step", stepId, attempt: 1 },
  });
  const view = (executions: RunExecution[], state: RunStateName, attempt = 1) =>
    stepViews(usesManifest(attempt), executions, state)[0];

  it("completed with the run: its sub-steps' executions are its own", () => {
    const v = view([sub("db.create", "completed", 1), sub("db.migrate", "completed", 2)], "completed");
    // Attempts are the uses step's own (it ran once), not how many sub-steps it has.
    expect(v).toMatchObject({ id: "db", state: "completed", attempts: 1, executions: ["r.db.create", "r.db.migrate"] });
    expect(v?.durationMs).toBe(1500);
  });

  it("running while a sub-step runs, or between sub-steps of a run in progress; completed once a step after it started", () => {
    expect(view([sub("db.create", "completed"), sub("db.migrate", "running", 2)], "in progress")?.state).toBe(
      "running",
    );
    expect(view([sub("db.create", "completed")], "in progress")?.state).toBe("running");
    const after = { ...sub("after", "running", 3), id: "r.after", role: { role: "step", stepId: "after", attempt: 1 } };
    expect(view([sub("db.create", "completed"), after as RunExecution], "in progress")?.state).toBe("completed");
  });

  it("failed with a failed sub-step; left part-way in a stopped run; skipped when none ran", () => {
    expect(view([sub("db.create", "failed")], "failed")?.state).toBe("failed");
    expect(view([sub("db.create", "completed")], "stopped")).toMatchObject({
      state: "failed",
      failure: "the run stopped inside its sub-pipeline",
    });
    expect(view([], "completed")?.state).toBe("skipped");
  });

  it("counts only its current attempt's sub-steps (db@2.x after --from db), forEach items' (db[1].x) too", () => {
    const v = view(
      [sub("db.create", "completed", 1), sub("db@2.create", "completed", 5), sub("db[1].x", "completed", 6)],
      "completed",
      2,
    );
    // Ran twice (db, then db@2): its most-started sub-step's executions, as a forEach's most-started item's.
    expect(v).toMatchObject({ state: "completed", attempts: 2, executions: ["r.db@2.create"] });
    expect(view([sub("db[0].create", "completed"), sub("db[1].create", "completed")], "completed")?.executions).toEqual(
      ["r.db[0].create", "r.db[1].create"],
    );
    expect(view([sub("dbx.create", "completed")], "completed")?.state).toBe("skipped");
  });

  it("attempts: a sub-step a resume restarted counts, the other sub-steps and forEach items do not add up", () => {
    const restarted = { ...sub("db.migrate", "completed", 4), runId: "t-again" };
    expect(
      view(
        [sub("db.create", "completed"), sub("db.migrate", "failed", 2), restarted, sub("db.seed", "completed", 5)],
        "completed",
      )?.attempts,
    ).toBe(2);
    expect(view([sub("db[0].create", "completed"), sub("db[1].create", "completed")], "completed")?.attempts).toBe(1);
    expect(view([], "completed")?.attempts).toBe(0);
  });

  it("a sub-step rerun with --from db.migrate: its current attempt only", () => {
    const manifest = { ...usesManifest(), subAttempts: { "db.migrate": 2 } };
    const rerun = {
      ...sub("db.migrate", "completed", 4),
      id: "r.db.migrate@2",
      role: { role: "step" as const, stepId: "db.migrate", attempt: 2 },
    };
    const v = stepViews(
      manifest,
      [sub("db.create", "completed"), sub("db.migrate", "completed", 2), rerun],
      "completed",
    )[0];
    expect(v).toMatchObject({ state: "completed", attempts: 2, executions: ["r.db.create", "r.db.migrate@2"] });
  });
});
