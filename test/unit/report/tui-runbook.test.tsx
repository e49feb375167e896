/**
 * Frames of the runbook step kinds (issue 16): a `uses` step's sub-steps drawn under it, a repeat's
 * "check 3/20, next in 25 s, last output ..." line, a wait's countdown, and a repeated forEach's
 * items polling (counted, the one furthest into its checks shown, within the width).
 */
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { RunStartEvent, StepRecord } from "../../../src/engine/events.js";
import { RunView } from "../../../src/report/tui/run-view.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { at, RUN_ID, T0 } from "../../support/unit/sequence.js";

const start: RunStartEvent = {
  runId: RUN_ID,
  pipeline: "rollout",
  file: "rollout.yaml",
  address: "127.0.0.1:7233",
  namespace: "default",
  resumed: false,
  plan: [
    { id: "waitHealthy", section: "steps", kind: "activity", dependsOn: [], forEach: true },
    { id: "settle", section: "steps", kind: "wait", dependsOn: ["waitHealthy"], forEach: false },
    { id: "db", section: "steps", kind: "uses", dependsOn: ["settle"], forEach: false },
    { id: "probe", section: "steps", kind: "activity", dependsOn: [], forEach: false },
  ],
};

function frame(store: ViewStore, seconds: number, width = 100): string {
  const view = render(
    <RunView
      state={store.state}
      now={T0 + seconds * 1000}
      tick={0}
      width={width}
      onAnswer={() => {}}
      onInterrupt={() => {}}
    />,
  );
  const text = view.lastFrame() ?? "";
  view.unmount();
  return text;
}

const exec = (id: string) => ({ kind: "activity" as const, executionId: `${RUN_ID}.${id}` });

function started(): ViewStore {
  const store = new ViewStore(() => T0);
  store.runStart(start);
  return store;
}

describe("Ink view: repeat, wait and uses", () => {
  it("a repeat's line under its step: check n/limit, the countdown to the next, the last output", () => {
    const store = started();
    const probe: StepRecord = {
      id: "probe",
      section: "steps",
      kind: "activity",
      status: "running",
      startedAt: at(0),
      execution: exec("probe.check-3"),
      repeat: { attempt: 3, limit: 20, nextAt: at(65), lastOutput: { healthy: false, region: "eu-west-1" } },
    };
    store.step(probe, false);
    const text = frame(store, 40);
    expect(text).toContain('↻ check 3/20, next in 25 s, last output {"healthy":false,"region":"eu-west-1"}');
    // Under the step's own line, not elsewhere.
    const lines = text.split("\n");
    const at3 = lines.findIndex((l) => l.includes("check 3/20"));
    expect(lines[at3 - 1]).toContain("probe");
  });

  it("a wait counts down on its line", () => {
    const store = started();
    store.step(
      {
        id: "settle",
        section: "steps",
        kind: "wait",
        status: "running",
        startedAt: at(0),
        waitUntil: at(300),
        summary: "waiting 5m, until 00:05:00Z",
      },
      false,
    );
    expect(frame(store, 10)).toMatch(/settle\s+10s\s+wait, 4m50s left {2}waiting 5m, until 00:05:00Z/);
    expect(frame(store, 295)).toContain("wait, 5 s left");
  });

  it("a uses step's sub-steps are drawn under it, indented, in their plan order", () => {
    const store = started();
    store.step({ id: "db", section: "steps", kind: "uses", status: "running", startedAt: at(0) }, false);
    for (const id of ["createDb", "migrate"])
      store.step({ id: `db.${id}`, section: "steps", kind: "activity", status: "pending", parent: "db" }, false);
    store.step(
      {
        id: "db.createDb",
        section: "steps",
        kind: "activity",
        status: "completed",
        parent: "db",
        startedAt: at(0),
        closedAt: at(2),
        execution: exec("db.createDb"),
      },
      true,
    );
    store.step(
      {
        id: "db.migrate",
        section: "steps",
        kind: "activity",
        status: "running",
        parent: "db",
        startedAt: at(2),
        execution: exec("db.migrate"),
      },
      false,
    );
    const lines = frame(store, 5).split("\n");
    const row = (id: string) => lines.findIndex((l) => new RegExp(`\\s${id.replace(".", "\\.")}\\s`).test(l));
    const db = row("db");
    expect(db).toBeGreaterThan(-1);
    expect(row("db.createDb")).toBe(db + 1);
    expect(row("db.migrate")).toBe(db + 2);
    // Nested: each sub-step starts further right than its uses step.
    const column = (i: number, id: string) => (lines[i] ?? "").indexOf(id);
    expect(column(db + 1, "db.createDb")).toBeGreaterThan(column(db, "db"));
    expect(lines[db + 1]).toContain("✔");
    expect(lines[db + 2]).toContain("db.migrate");
  });

  it("a repeated forEach: items polling counted, the one furthest into its checks shown, within the width", () => {
    const store = started();
    const items = [0, 1, 2].map((index) => ({ index, status: "pending" as const }));
    store.step(
      { id: "waitHealthy", section: "steps", kind: "activity", status: "running", startedAt: at(0), items },
      false,
    );
    store.item("waitHealthy", {
      index: 0,
      status: "running",
      repeat: { attempt: 2, limit: 20, nextAt: at(50), lastOutput: { healthy: false } },
    });
    store.item("waitHealthy", {
      index: 2,
      status: "running",
      repeat: { attempt: 5, limit: 20, nextAt: at(45), lastOutput: { healthy: false, detail: "x".repeat(300) } },
    });
    store.item("waitHealthy", { index: 1, status: "completed", repeat: { attempt: 1, limit: 20 } });
    const width = 90;
    const text = frame(store, 40, width);
    expect(text).toContain("↻ 2 items polling · [2]: check 5/20, next in 5 s, last output");
    for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(width);

    // An item that ends stops counting; the last one ending removes the line.
    store.item("waitHealthy", { index: 2, status: "completed", repeat: { attempt: 6, limit: 20 } });
    expect(frame(store, 41)).toContain("↻ 1 item polling · [0]: check 2/20, next in 9 s");
    store.item("waitHealthy", { index: 0, status: "failed", repeat: { attempt: 20, limit: 20 } });
    expect(frame(store, 42)).not.toContain("polling");
  });
});
