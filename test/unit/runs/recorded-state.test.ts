/**
 * A step's state as its run recorded it (the session's journal, read back by recorded-run.ts), and
 * the fixes to the state made from executions alone (runs that kept no journal).
 */
import { describe, expect, it } from "vitest";
import type { StepRecord } from "../../../src/engine/events.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import { parseJournal, recordedRun } from "../../../src/runs/journal-events.js";
import { journalText, MAX_LINE_BYTES } from "../../../src/runs/manifest/journal.js";
import { buildManifest } from "../../../src/runs/manifest/manifest.js";
import type { RunExecution } from "../../../src/runs/run-executions.js";
import { type RunStateName, recordedStepViews, stepViews } from "../../../src/runs/run-state.js";
import type { ExecutionStatus } from "../../../src/temporal/types.js";

const loaded = loadPipelineText(
  `
nxrun: 1
name: truth
defaults:
  taskQueue: q
steps:
  - id: open
    activity: Open
    compensate: { activity: Close }
  - id: settle
    needs: [open]
    wait: 5m
  - id: fan
    needs: [settle]
    forEach: "{% [1, 2, 3] %}"
    activity: Poll
    repeat: { until: "{% $output.ok %}", every: 1s, limit: 5 }
  - id: poll
    needs: [fan]
    activity: Poll
    repeat: { until: "{% $output.ok %}", every: 1s, limit: 5 }
`,
  "/tmp/truth.yaml",
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
const manifest = buildManifest(loaded.pipeline, { runId: "r", inputs: {}, compensate: true, concurrency: 4 });

function execution(id: string, status: ExecutionStatus, role: RunExecution["role"], at = 1): RunExecution {
  return {
    kind: "activity",
    id: `r.${id}`,
    runId: `t-${id}`,
    status,
    type: "Work",
    startTime: new Date(1000 * at),
    ...(status === "running" ? {} : { closeTime: new Date(1000 * at + 500) }),
    role,
  };
}

/** The NDJSON lines a session writes for these events. */
const lines = (...events: Array<[string, object]>) =>
  events.map(([event, fields], i) => JSON.stringify({ event, time: new Date(1000 * i).toISOString(), ...fields }));

const step = (record: Partial<StepRecord> & { id: string }): StepRecord => ({
  section: "steps",
  kind: "activity",
  status: "completed",
  ...record,
});

function views(events: Array<[string, object]>, executions: RunExecution[], state: RunStateName) {
  const recorded = recordedRun(parseJournal(lines(...events)));
  return recordedStepViews(manifest, recorded, executions, state, stepViews(manifest, executions, state));
}

describe("status from what the run recorded", () => {
  it("a wait that ran its course is completed, though nxrun cancelled its marker", () => {
    const marker = execution("settle", "canceled", { role: "step", stepId: "settle", attempt: 1 });
    const [, settle] = views(
      [["stepEnd", { stepId: "settle", record: step({ id: "settle", kind: "wait", output: { until: "x" } }) }]],
      [marker],
      "completed",
    );
    expect(settle).toMatchObject({ id: "settle", state: "completed", attempts: 1, output: { until: "x" } });
  });

  it("a repeat failed by its until is failed with that error, though each check completed", () => {
    const checks = [1, 2].map((n) =>
      execution(`poll.check-${n}`, "completed", { role: "step", stepId: "poll", attempt: 1, check: n }, n),
    );
    const record = step({
      id: "poll",
      status: "failed",
      error: { message: "expression failed: until threw", type: "Error" },
    });
    const poll = views([["stepEnd", { stepId: "poll", record }]], checks, "failed").find((v) => v.id === "poll");
    expect(poll).toMatchObject({ state: "failed", failure: "Error: expression failed: until threw", attempts: 2 });
    expect(poll?.output).toBeUndefined();
  });

  it("canceled and abandoned steps keep those states; failed before starting: failed with 0 attempts", () => {
    const result = views(
      [
        ["stepEnd", { stepId: "open", record: step({ id: "open", status: "canceled" }) }],
        ["stepEnd", { stepId: "settle", record: step({ id: "settle", kind: "wait", status: "abandoned" }) }],
        [
          "stepEnd",
          { stepId: "poll", record: step({ id: "poll", status: "failed", error: { message: "bad queue" } }) },
        ],
      ],
      [],
      "failed",
    );
    expect(result.map((v) => [v.id, v.state, v.attempts])).toEqual([
      ["open", "canceled", 0],
      ["settle", "abandoned", 0],
      ["fan", "skipped", 0],
      ["poll", "failed", 0],
    ]);
  });

  it("a forEach's items come from its items' records, not from each check", () => {
    const items = [0, 1, 2].map((index) => ({ index, status: "completed" as const }));
    const checks = [0, 1, 2].flatMap((index) =>
      [1, 2].map((check) =>
        execution(`fan.${index}.check-${check}`, "completed", {
          role: "item",
          stepId: "fan",
          attempt: 1,
          index,
          check,
        }),
      ),
    );
    const fan = views([["stepEnd", { stepId: "fan", record: step({ id: "fan", items }) }]], checks, "completed").find(
      (v) => v.id === "fan",
    );
    expect(fan).toMatchObject({ state: "completed", itemCount: 3, items: { completed: 3 }, attempts: 2 });
  });

  it("item events update a forEach's items while the run goes on", () => {
    const pending = [0, 1, 2].map((index) => ({ index, status: "pending" as const }));
    const fan = views(
      [
        ["stepStart", { stepId: "fan", record: step({ id: "fan", status: "running", items: pending }) }],
        ["itemEnd", { stepId: "fan", item: { index: 1, status: "failed" } }],
        ["itemEnd", { stepId: "fan", item: { index: 0, status: "completed" } }],
      ],
      [],
      "in progress",
    ).find((v) => v.id === "fan");
    expect(fan).toMatchObject({ state: "running", itemCount: 3, items: { completed: 1, failed: 1 } });
  });

  it("a step running when the run's nxrun stopped is interrupted, not failed; one not reached is not started", () => {
    const result = views(
      [["stepStart", { stepId: "open", record: step({ id: "open", status: "running" }) }]],
      [execution("open", "running", { role: "step", stepId: "open", attempt: 1 })],
      "stopped",
    );
    expect(result.map((v) => [v.id, v.state])).toEqual([
      ["open", "interrupted"],
      ["settle", "not started"],
      ["fan", "not started"],
      ["poll", "not started"],
    ]);
  });

  it("steps of a used pipeline follow their uses step; compensations come last, in the order they ran", () => {
    const result = views(
      [
        ["stepEnd", { stepId: "open", record: step({ id: "open" }) }],
        ["stepEnd", { stepId: "open.compensate", record: step({ id: "open.compensate", section: "compensate" }) }],
        [
          "runEnd",
          {
            record: {
              status: "failed",
              steps: [
                step({ id: "open" }),
                step({ id: "settle", kind: "uses" }),
                step({ id: "settle.inner", parent: "settle" }),
                step({ id: "fan", status: "failed" }),
                step({
                  id: "open.compensate",
                  section: "compensate",
                  status: "failed",
                  error: { message: "no" },
                  execution: { kind: "activity", executionId: "r.open.compensate" },
                }),
              ],
            },
          },
        ],
      ],
      [execution("open.compensate", "failed", { role: "compensation", stepId: "open", attempt: 1 })],
      "failed",
    );
    expect(result.map((v) => [v.id, v.state, v.parent])).toEqual([
      // Its compensation failed on the server: as the run marks a step whose undo failed.
      ["open", "compensationFailed", undefined],
      ["settle", "completed", undefined],
      ["settle.inner", "completed", "settle"],
      ["fan", "failed", undefined],
      ["poll", "skipped", undefined],
      ["open.compensate", "failed", undefined],
    ]);
    expect(result.at(-1)).toMatchObject({ section: "compensate", attempts: 1, failure: "no" });
  });
});

describe("status from the executions alone (a run that kept no journal)", () => {
  it("a forEach with no executions has 0 attempts, never -1", () => {
    expect(stepViews(manifest, [], "failed").find((v) => v.id === "fan")?.attempts).toBe(0);
  });

  it("a repeated forEach counts each item once, by its last check", () => {
    const checks = [0, 1, 2].flatMap((index) =>
      [1, 2].map((check) =>
        execution(
          `fan.${index}.check-${check}`,
          check === 1 ? "failed" : "completed",
          { role: "item", stepId: "fan", attempt: 1, index, check },
          check,
        ),
      ),
    );
    const fan = stepViews(manifest, checks, "completed", new Map([["fan", 3]])).find((v) => v.id === "fan");
    expect(fan).toMatchObject({ state: "completed", items: { completed: 3 } });
  });

  it("a wait whose marker nxrun cancelled is completed, unless the run was cancelled", () => {
    const marker = execution("settle", "canceled", { role: "step", stepId: "settle", attempt: 1 });
    expect(stepViews(manifest, [marker], "completed").find((v) => v.id === "settle")?.state).toBe("completed");
    expect(stepViews(manifest, [marker], "canceled").find((v) => v.id === "settle")?.state).toBe("failed");
  });
});

describe("the journal's lines", () => {
  it("a line over the limit loses its largest outputs until it fits; others are kept as written", () => {
    const smallEvent = { event: "stepEnd", stepId: "a", record: { id: "a", output: { x: 1 } } };
    const small = JSON.stringify(smallEvent);
    expect(journalText(smallEvent)).toBe(small);
    const big = {
      event: "runEnd",
      record: { id: "a", outputs: { x: "y".repeat(MAX_LINE_BYTES) }, steps: [{ id: "a", output: "z", status: "ok" }] },
    };
    expect(JSON.parse(journalText(big))).toEqual({
      event: "runEnd",
      record: { id: "a", steps: [{ id: "a", output: "z", status: "ok" }] },
    });
  });

  it("a line over the limit leaves the event it was made from as it was (other reporters get it too)", () => {
    const items = Array.from({ length: 3 }, (_, index) => ({
      index,
      status: "completed",
      output: "o".repeat(MAX_LINE_BYTES),
    }));
    const event = { event: "stepEnd", stepId: "fan", record: { id: "fan", items, output: items.map((i) => i.output) } };
    const before = structuredClone(event);
    const kept = JSON.parse(journalText(event));
    expect(kept.record.items.every((item: object) => !("output" in item))).toBe(true);
    expect(kept.record.output).toBeUndefined();
    expect(event).toEqual(before);
  });

  it("one huge step output leaves the other steps' outputs and the run's outputs in the run's last line", () => {
    const huge = "x".repeat(MAX_LINE_BYTES + 10);
    const line = {
      event: "runEnd",
      record: {
        outputs: { s: 1 },
        steps: [
          { id: "small", output: { v: 1 } },
          { id: "huge", output: huge },
          { id: "fan", items: [{ index: 0, output: { i: 1 } }], output: [{ i: 1 }] },
        ],
      },
    };
    const kept = journalText(line);
    expect(kept.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(JSON.parse(kept)).toEqual({
      event: "runEnd",
      record: {
        outputs: { s: 1 },
        steps: [
          { id: "small", output: { v: 1 } },
          { id: "huge" },
          { id: "fan", items: [{ index: 0, output: { i: 1 } }], output: [{ i: 1 }] },
        ],
      },
    });
  });
});

describe("status of a run killed mid-rollback", () => {
  const items = [0, 1, 2].map((index) => ({ index, status: "completed" as const, output: { ok: true } }));
  const undoItems = [0, 1, 2].map((index) => ({
    index,
    status: (index === 0 ? "pending" : "running") as "pending" | "running",
    execution: { kind: "activity" as const, executionId: `r.fan.${index}.compensate` },
  }));
  const events: Array<[string, object]> = [
    ["stepEnd", { stepId: "fan", record: step({ id: "fan", items }) }],
    [
      "stepStart",
      {
        stepId: "fan.compensate",
        record: step({ id: "fan.compensate", section: "compensate", status: "running", items: undoItems }),
      },
    ],
  ];
  const undo = (index: number, status: ExecutionStatus) =>
    execution(`fan.${index}.compensate`, status, { role: "compensation", stepId: "fan", attempt: 1, index }, 9);

  it("shows each item's compensation as the server has it, and the compensation's counts from the server", () => {
    const found = views(events, [undo(2, "completed"), undo(1, "running")], "stopped");
    const fan = found.find((v) => v.id === "fan");
    // Item 0's undo never started: it still holds; 1 is being undone, 2 was.
    expect(fan).toMatchObject({ state: "completed", items: { completed: 1, compensating: 1, compensated: 1 } });
    const compensation = found.find((v) => v.id === "fan.compensate");
    // Still undoing on the server although nxrun is gone: a compensation in progress, said so.
    expect(compensation).toMatchObject({ state: "compensating", items: { completed: 1, compensating: 1 } });
  });

  it("a single step's compensation left running is compensating; one whose run goes on stays running", () => {
    const single: Array<[string, object]> = [
      ["stepEnd", { stepId: "open", record: step({ id: "open", output: { ok: true } }) }],
      [
        "stepStart",
        {
          stepId: "open.compensate",
          record: step({
            id: "open.compensate",
            section: "compensate",
            status: "running",
            execution: { kind: "activity", executionId: "r.open.compensate" },
          }),
        },
      ],
    ];
    const running = execution("open.compensate", "running", { role: "compensation", stepId: "open", attempt: 1 }, 9);
    expect(views(single, [running], "stopped").find((v) => v.id === "open.compensate")?.state).toBe("compensating");
    expect(views(single, [running], "in progress").find((v) => v.id === "open.compensate")?.state).toBe("running");
  });

  it("a step whose completed items were all undone since is compensated; a failed undo makes it compensationFailed", () => {
    const all = views(events, [undo(0, "completed"), undo(1, "completed"), undo(2, "completed")], "stopped");
    expect(all.find((v) => v.id === "fan")).toMatchObject({ state: "compensated", items: { compensated: 3 } });
    expect(all.find((v) => v.id === "fan.compensate")).toMatchObject({ state: "completed", items: { completed: 3 } });
    const failed = views(events, [undo(0, "completed"), undo(1, "failed"), undo(2, "completed")], "stopped");
    expect(failed.find((v) => v.id === "fan")).toMatchObject({
      state: "compensationFailed",
      items: { compensated: 2, compensationFailed: 1 },
    });
    expect(failed.find((v) => v.id === "fan.compensate")?.state).toBe("failed");
  });
});

describe("the compensations of a run that kept no journal (a library run), from the server", () => {
  const undone = loadPipelineText(
    `
nxrun: 1
name: undone
defaults:
  taskQueue: q
steps:
  - id: open
    activity: Open
    compensate: { activity: Close }
  - id: fan
    needs: [open]
    forEach: "{% [1, 2, 3] %}"
    activity: Work
    compensate: { activity: Undo }
  - id: gate
    needs: [fan]
    activity: Fail
`,
    "/tmp/undone.yaml",
  );
  if (!undone.ok) throw new Error(JSON.stringify(undone.diagnostics));
  const noJournal = buildManifest(undone.pipeline, { runId: "r", inputs: {}, compensate: true, concurrency: 4 });
  const item = (index: number) =>
    execution(`fan.${index}`, "completed", { role: "item", stepId: "fan", attempt: 1, index }, 2);
  const itemUndo = (index: number, status: ExecutionStatus) =>
    execution(`fan.${index}.compensate`, status, { role: "compensation", stepId: "fan", attempt: 1, index }, 5 + index);
  const ran = [
    execution("open", "completed", { role: "step", stepId: "open", attempt: 1 }, 1),
    item(0),
    item(1),
    item(2),
    execution("gate", "failed", { role: "step", stepId: "gate", attempt: 1 }, 3),
  ];

  it("each item's undo counted on its step, the steps compensated, a row per compensation in the order it ran", () => {
    const undo = [
      itemUndo(2, "completed"),
      itemUndo(1, "completed"),
      itemUndo(0, "completed"),
      execution("open.compensate", "completed", { role: "compensation", stepId: "open", attempt: 1 }, 9),
    ];
    const found = stepViews(noJournal, [...ran, ...undo], "failed");
    expect(found.map((v) => [v.id, v.state])).toEqual([
      ["open", "compensated"],
      ["fan", "compensated"],
      ["gate", "failed"],
      ["fan.compensate", "completed"],
      ["open.compensate", "completed"],
    ]);
    expect(found.find((v) => v.id === "fan")?.items).toEqual({ compensated: 3 });
    expect(found.find((v) => v.id === "fan.compensate")).toMatchObject({
      section: "compensate",
      items: { completed: 3 },
      executions: ["r.fan.2.compensate", "r.fan.1.compensate", "r.fan.0.compensate"],
    });
  });

  it("a stopped run's undo in flight: items compensating, the row compensating; a failed undo is compensationFailed", () => {
    const found = stepViews(noJournal, [...ran, itemUndo(2, "completed"), itemUndo(1, "running")], "stopped");
    expect(found.find((v) => v.id === "fan")).toMatchObject({
      state: "completed",
      items: { completed: 1, compensating: 1, compensated: 1 },
    });
    expect(found.find((v) => v.id === "fan.compensate")).toMatchObject({
      state: "compensating",
      items: { completed: 1, compensating: 1 },
    });
    const failed = stepViews(noJournal, [...ran, itemUndo(2, "completed"), itemUndo(1, "failed")], "failed");
    expect(failed.find((v) => v.id === "fan")?.state).toBe("compensationFailed");
    expect(failed.find((v) => v.id === "fan.compensate")?.state).toBe("failed");
  });

  it("an undo is labelled by the attempt it undid, as its execution is; a run in progress shows it running", () => {
    const later = { ...noJournal, steps: noJournal.steps.map((s) => (s.id === "open" ? { ...s, attempt: 2 } : s)) };
    const earlier = execution("open.compensate", "running", { role: "compensation", stepId: "open", attempt: 1 }, 9);
    expect(stepViews(later, [earlier], "in progress").find((v) => v.section === "compensate")).toMatchObject({
      id: "open.compensate",
      state: "running",
    });
    const second = execution("open@2.compensate", "completed", { role: "compensation", stepId: "open", attempt: 2 }, 9);
    const sub = execution("db@2.x.compensate", "completed", { role: "compensation", stepId: "db@2.x", attempt: 1 }, 9);
    const item = execution(
      "dbs.1.x.compensate",
      "completed",
      { role: "compensation", stepId: "dbs[1].x", attempt: 1 },
      9,
    );
    const rows = stepViews(later, [second, sub, item], "failed").filter((v) => v.section === "compensate");
    expect(rows.map((v) => [v.id, v.parent])).toEqual([
      ["open@2.compensate", undefined],
      ["db@2.x.compensate", "db"],
      ["dbs[1].x.compensate", "dbs"],
    ]);
  });
});
