/** Frames of the Ink view for runs in trouble (followed executions, connection) and at size (flat chains, wide fan-outs). */
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { ExecutionProgress, RunStartEvent, StepRecord } from "../../../src/engine/events.js";
import { RunView } from "../../../src/report/tui/run-view.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { at, exec, RUN_ID, runStart, T0 } from "../../support/unit/sequence.js";

function frame(store: ViewStore, seconds: number, width = 100): string {
  return render(<RunView state={store.state} now={T0 + seconds * 1000} tick={0} width={width} />).lastFrame() ?? "";
}

function running(id: string, startedSecond = 0): StepRecord {
  return {
    id,
    section: "steps",
    kind: "activity",
    status: "running",
    execution: exec(id),
    startedAt: at(startedSecond),
  };
}

function progressOf(store: ViewStore, stepId: string, progress: ExecutionProgress, index?: number): void {
  store.progress({
    stepId,
    section: "steps",
    execution: exec(stepId, index),
    progress,
    ...(index === undefined ? {} : { index }),
  });
}

describe("the view of a run in trouble", () => {
  it("a detail line under each followed step: retry timer, heartbeat progress, no poller, Nexus blocked", () => {
    const store = new ViewStore(() => T0);
    store.runStart(runStart);
    store.step(running("build"), false);
    progressOf(store, "build", {
      trouble: true,
      state: "scheduled",
      attempt: 3,
      maximumAttempts: 5,
      lastFailure: { message: "boom \u001b]52;c;aGk=\u0007", type: "FlakyFailure", nonRetryable: false },
      nextAttemptAt: at(6),
    });
    store.step(running("charge"), false);
    progressOf(store, "charge", { trouble: true, state: "blocked", attempt: 2, blockedReason: "circuit breaker open" });
    store.step({ id: "notify", section: "finally", kind: "activity", status: "running", startedAt: at(0) }, false);
    store.progress({
      stepId: "notify",
      section: "finally",
      execution: exec("notify"),
      progress: {
        trouble: true,
        state: "scheduled",
        attempt: 1,
        taskQueue: "mail",
        waitingSince: at(0),
        noPoller: true,
      },
    });
    const text = frame(store, 3);
    expect(text).toContain(
      "↻ attempt 2 of 5 failed: FlakyFailure (retryable): boom \\u001b]52;c;aGk=\\u0007 · retrying in 3 s",
    );
    expect(text).toContain("⚠ attempt 2 · blocked: circuit breaker open");
    expect(text).toContain("⚠ no worker is polling task queue mail");
    expect(text).toContain("attempt 3");
    expect(text).not.toContain("\u001b]52");
  });

  it("heartbeat details: { done, total } as progress, a late heartbeat, bytes that are not JSON", () => {
    const store = new ViewStore(() => T0);
    store.runStart(runStart);
    store.step(running("build"), false);
    progressOf(store, "build", {
      trouble: false,
      state: "started",
      attempt: 1,
      worker: "4242@build-host",
      heartbeat: { at: at(1), details: { done: 42, total: 100 }, timeoutMs: 10_000 },
    });
    store.step(running("charge"), false);
    progressOf(store, "charge", {
      trouble: true,
      state: "started",
      attempt: 1,
      heartbeat: { at: at(0), undecodableBytes: 12, timeoutMs: 10_000, late: true },
    });
    const text = frame(store, 9);
    expect(text).toContain("· 42/100 (42%) · on worker 4242@build-host");
    expect(text).toContain("⚠ (12 bytes, not JSON) · no heartbeat for 9 s (timeout 10 s)");
  });

  it("a forEach counts its items in trouble and shows the worst; the connection line while the server is away", () => {
    let clock = T0;
    const store = new ViewStore(() => clock);
    store.runStart(runStart);
    const items = Array.from({ length: 1000 }, (_, index) => ({ index, status: "running" as const }));
    store.step({ ...running("fanout"), items }, false);
    progressOf(
      store,
      "fanout",
      { trouble: true, state: "scheduled", attempt: 1, taskQueue: "q", waitingSince: at(0) },
      7,
    );
    progressOf(
      store,
      "fanout",
      {
        trouble: true,
        state: "scheduled",
        attempt: 4,
        lastFailure: { message: "nope", type: "E" },
        nextAttemptAt: at(5),
      },
      912,
    );
    progressOf(store, "fanout", { trouble: true, state: "scheduled", attempt: 2, nextAttemptAt: at(5) }, 3);
    store.connection({ state: "lost", address: "127.0.0.1:7233", since: at(1), message: "connect ECONNREFUSED" });
    const text = frame(store, 4);
    expect(text).toContain("⚠ 3 items in trouble · worst [912]: attempt 3 failed: E: nope · retrying in 1 s");
    expect(text).toContain("⚠ lost connection to 127.0.0.1:7233, retrying since 00:00:01 (3 s)");
    // An item that ends leaves the count; one that is fine again too.
    store.item("fanout", { index: 912, status: "completed" });
    progressOf(store, "fanout", { trouble: false, state: "started", attempt: 1 }, 7);
    clock = T0 + 4_000; // the answer: the outage lasted from since (1 s) to then
    store.connection({ state: "reconnected", address: "127.0.0.1:7233", since: at(1) });
    const after = frame(store, 4);
    expect(after).toContain("⚠ 1 item in trouble · worst [3]: attempt 1 failed · retrying in 1 s");
    expect(after).toContain("✔ reconnected to 127.0.0.1:7233 after 3s");
  });
});

describe("the view at size, 80 columns", () => {
  const start = (plan: RunStartEvent["plan"]): ViewStore => {
    const store = new ViewStore(() => T0);
    store.runStart({ ...runStart, plan });
    return store;
  };
  const widest = (text: string) => Math.max(...text.split("\n").map((line) => [...line].length));

  it("a 50-step chain is a flat list that fits", () => {
    const plan = Array.from({ length: 50 }, (_, index) => ({
      id: `step-${String(index + 1).padStart(2, "0")}-rotate-keys`,
      section: "steps" as const,
      kind: "activity" as const,
      dependsOn: index === 0 ? [] : [`step-${String(index).padStart(2, "0")}-rotate-keys`],
      forEach: false,
    }));
    const store = start(plan);
    for (let index = 0; index < 49; index++) {
      store.step({ ...running(plan[index]!.id, index), status: "completed", closedAt: at(index + 1) }, true);
    }
    store.step(running(plan[49]!.id, 49), false);
    progressOf(store, plan[49]!.id, {
      trouble: true,
      state: "scheduled",
      attempt: 2,
      lastFailure: { message: "x".repeat(200), type: "VeryLongFailureTypeName" },
      nextAttemptAt: at(60),
    });
    const text = frame(store, 50, 80);
    expect(widest(text)).toBeLessThanOrEqual(80);
    for (const entry of plan) expect(text).toMatch(new RegExp(`^[✔⠋] ${entry.id} `, "m"));
    // The long message is cut, not the countdown after it.
    expect(text).toMatch(/^ {4}↻ attempt 1 failed: VeryLongFailureTypeName: x+… · retrying in 10 s$/m);
  });

  it("a 20-branch fan-out indents once and fits", () => {
    const branches = Array.from({ length: 20 }, (_, index) => `deploy-region-${index + 1}`);
    const plan: RunStartEvent["plan"] = [
      { id: "prepare", section: "steps", kind: "activity", dependsOn: [], forEach: false },
      ...branches.map((id) => ({
        id,
        section: "steps" as const,
        kind: "activity" as const,
        dependsOn: ["prepare"],
        forEach: false,
      })),
      { id: "verify", section: "steps", kind: "activity", dependsOn: branches, forEach: false },
    ];
    const store = start(plan);
    store.step({ ...running("prepare"), status: "completed", closedAt: at(1) }, true);
    for (const id of branches) store.step(running(id, 1), false);
    const text = frame(store, 5, 80);
    expect(widest(text)).toBeLessThanOrEqual(80);
    for (const id of branches.slice(0, -1)) expect(text).toMatch(new RegExp(`^├ ⠋ ${id} +4s  …ab12\\.${id}`, "m"));
    expect(text).toMatch(/^└ ⠋ deploy-region-20 /m);
    expect(text).toMatch(/^ {2}◌ verify +\(after deploy-region-1, deploy-region-2, /m);
    expect(RUN_ID).toContain("ab12");
  });
});
