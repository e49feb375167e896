/**
 * The Ink view when the run is taller than the terminal: frames as mount.tsx draws them (fitView,
 * then RunView with everything printed so far), and the bytes the mounted view writes to a terminal.
 */
import { EventEmitter } from "node:events";
import { render } from "ink-testing-library";
import stringWidth from "string-width";
import { describe, expect, it, vi } from "vitest";
import type { ExecutionProgress, RunStartEvent, StepRecord, StepStatus } from "../../../src/engine/events.js";
import type { Printed } from "../../../src/report/tui/fit.js";
import { mountView } from "../../../src/report/tui/mount.js";
import { fitView, RunView } from "../../../src/report/tui/run-view.js";
import { stepRowLines } from "../../../src/report/tui/step-row.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { at, exec, runStart, T0 } from "../../support/unit/sequence.js";
import { terminalOver } from "../../support/unit/terminal.js";

const ids = (count: number, name = "step") =>
  Array.from({ length: count }, (_, index) => `${name}-${String(index + 1).padStart(2, "0")}`);

function storeWith(steps: readonly string[]): ViewStore {
  const plan: RunStartEvent["plan"] = steps.map((id) => ({
    id,
    section: "steps",
    kind: "activity",
    dependsOn: [],
    forEach: false,
  }));
  const store = new ViewStore(() => T0);
  store.runStart({ ...runStart, plan });
  return store;
}

function record(id: string, status: StepStatus, extra: Partial<StepRecord> = {}): StepRecord {
  return {
    id,
    section: "steps",
    kind: "activity",
    status,
    execution: exec(id),
    ...(status === "pending" ? {} : { attempt: 1, startedAt: at(0) }),
    ...(status === "running" || status === "pending" ? {} : { closedAt: at(1) }),
    ...extra,
  };
}

const retrying = (step: string, nextSecond: number): ExecutionProgress => ({
  trouble: true,
  state: "scheduled",
  attempt: 3,
  maximumAttempts: 5,
  lastFailure: {
    message: `flaky failure on attempt 2 of ${step}, the upstream said no`,
    type: "FlakyFailure",
    nonRetryable: false,
  },
  nextAttemptAt: at(nextSecond),
});

/** Draws frames as mount.tsx does: what is printed stays printed; the live region is drawn anew. */
class Frames {
  printed: Printed[] = [];
  constructor(
    private readonly store: ViewStore,
    readonly width: number,
    readonly height: number,
  ) {}

  /** The frame at `seconds`: all printed lines so far, and the live region's lines. */
  next(seconds: number): { above: string[]; live: string[] } {
    const now = T0 + seconds * 1000;
    const fitted = fitView(this.store.state, this.printed, now, this.width, this.height);
    this.printed = [...this.printed, ...fitted.print];
    const text =
      render(
        <RunView
          state={this.store.state}
          now={now}
          tick={0}
          width={this.width}
          printed={this.printed}
          live={fitted.live}
          onAnswer={() => {}}
          onInterrupt={() => {}}
        />,
      ).lastFrame() ?? "";
    const lines = text.split("\n");
    // Ink's Static draws the printed entries first: the header and a gap, then each step's lines.
    const aboveCount = this.printed.reduce(
      (sum, entry) => sum + (entry.kind === "header" ? 3 : stepRowLines(entry.row.step, now)),
      0,
    );
    return { above: lines.slice(0, aboveCount), live: lines.slice(aboveCount) };
  }
}

const widest = (lines: readonly string[]) => Math.max(0, ...lines.map((line) => stringWidth(line)));

describe("a run taller than the terminal (60x15)", () => {
  it("prints finished steps once above a live region that always fits, trouble first, counts last", () => {
    const steps = ids(40);
    const store = storeWith(steps);
    const frames = new Frames(store, 60, 15);
    const seen: string[] = [];
    let compacts = 0;
    let lastLive: string[] = [];
    for (let done = 0; done <= 36; done += 4) {
      for (let index = 0; index < steps.length; index++) {
        const id = steps[index] as string;
        const status: StepStatus = index < done ? "completed" : index < done + 4 ? "running" : "pending";
        store.step(record(id, status), status === "completed");
      }
      // Two steps keep retrying the whole time, late in the plan.
      for (const id of ["step-39", "step-40"]) {
        store.step(record(id, "running"), false);
        store.progress({ stepId: id, section: "steps", execution: exec(id), progress: retrying(id, done + 5) });
      }
      const { above, live } = frames.next(done);
      lastLive = live;
      // Ink redraws the live region in place only while it is shorter than the terminal.
      expect(live.length).toBeLessThanOrEqual(14);
      expect(widest([...above, ...live])).toBeLessThanOrEqual(60);
      // What is printed is never taken back: each frame's printed lines start with the last frame's.
      expect(above.slice(0, seen.length)).toEqual(seen);
      seen.splice(0, seen.length, ...above);
      const liveText = live.join("\n");
      expect(liveText).toMatch(/step-39 .*\n.*↻ attempt 2 of 5 failed: FlakyFailure.* · retrying in \d s/);
      // The footer is last, its counts whole.
      expect(live.at(-1)).toMatch(
        /^▶ \d+ running {2}(✔ \d+ completed {2})?(◌ \d+ pending {2})?· \d+(ms|s)( {2}· Ctrl-C to cancel)?$/,
      );
      const compact = /^(◌ \d+ pending|✔ \d+ done)/m.test(liveText);
      if (!compact) continue;
      compacts++;
      // Trouble first: the retrying steps and their countdowns before the running steps.
      // At 60 columns the failure's message is cut, never the attempt, the type or the countdown.
      expect(liveText).toMatch(
        /^⠋ step-39 .*\n {2}↻ attempt 2 of 5 failed: FlakyFailure.* · retrying in \d s\n⠋ step-40 /m,
      );
      expect(live.findIndex((line) => line.includes("step-40"))).toBeLessThan(
        live.findIndex((line) => /⠋ step-(?!39|40)/.test(line)),
      );
      expect(liveText).toMatch(/^◌ \d+ pending( · ✔ \d+ done)?$|^✔ \d+ done$/m);
    }
    expect(compacts).toBeGreaterThan(3);
    expect(seen.join("\n")).toMatch(/^deploy {2}run deploy-/);
    // Every finished step is on the screen once: printed above, or still in the live region.
    const screen = [...seen, ...lastLive].join("\n");
    for (const id of steps.slice(0, 36)) expect(screen.match(new RegExp(`✔ ${id} `, "g"))).toHaveLength(1);
  });

  it("shows the tree as before while everything fits, and prints nothing above", () => {
    const store = storeWith(ids(5));
    store.step(record("step-01", "completed"), true);
    store.step(record("step-02", "running"), false);
    const { above, live } = new Frames(store, 60, 15).next(2);
    expect(above).toEqual([]);
    expect(live[0]).toMatch(/^deploy {2}run /);
    expect(live).toContain("◌ step-05");
  });

  it("at the end, prints the failures of steps printed above whole, wrapped, with the summary last", () => {
    const steps = ids(30);
    const store = storeWith(steps);
    const frames = new Frames(store, 60, 15);
    const message = `the database refused the migration because ${"the schema lock is held by another session ".repeat(3)}(SCHEDULE_TO_START: no worker polled the queue)`;
    for (const [index, id] of steps.entries()) {
      // Eight failed steps do not fit beside the running ones: the first ones are printed above.
      if (index >= 3 && index < 11) {
        store.step(record(id, "failed", { error: { message, type: "MigrationFailed", nonRetryable: true } }), true);
      } else store.step(record(id, index < 15 ? "completed" : "running"), index < 15);
    }
    frames.next(3);
    expect(frames.printed.some((entry) => entry.kind === "step" && entry.row.step.id === "step-04")).toBe(true);
    for (const id of steps.slice(15)) store.step(record(id, "completed"), true);
    store.runEnd({
      runId: runStart.runId,
      pipeline: "deploy",
      file: "deploy.yaml",
      address: "127.0.0.1:7233",
      namespace: "default",
      status: "failed",
      startedAt: at(0),
      closedAt: at(9),
      inputs: {},
      error: { message: `step 'step-04' failed: ${message}` },
      steps: [],
    });
    const { live } = frames.next(9);
    const text = live.join("\n");
    expect(widest(live)).toBeLessThanOrEqual(60);
    // Wrapped at spaces, each line within the width: joined again, it is the whole message.
    const failure = live.slice(live.findIndex((line) => line.includes("MigrationFailed")));
    const joined = failure.map((line) => line.trim()).join(" ");
    expect(joined).toContain(`MigrationFailed (non-retryable): ${message}`);
    expect(text).toContain("failures (above, whole)");
    expect(live.at(-1)).toMatch(/^✖ Run failed in 9s {2}✔ 22 completed {2}✖ 8 failed$/);
  });
});

describe("the footer and panels at 60 columns", () => {
  it("puts the hint on its own line rather than cutting it or the counts", () => {
    const store = storeWith(ids(12));
    for (const [index, id] of ids(12).entries()) store.step(record(id, index < 5 ? "completed" : "running"), index < 5);
    store.confirm({ stepId: "step-12", prompt: "Ship it to production now?", answer: () => {} });
    const { live } = new Frames(store, 60, 40).next(4);
    expect(live.at(-2)).toBe("y/n to answer · Ctrl-C to cancel");
    expect(live.at(-1)).toBe("▶ 7 running  ✔ 5 completed  · 4s");
    expect(live.join("\n")).toContain("? step-12  Ship it to production now? (y/n)");
  });

  it("the cancelling panel lists only the steps still in flight", () => {
    const store = storeWith(["a", "b", "c"]);
    for (const id of ["a", "b", "c"]) store.step(record(id, "running"), false);
    store.cancelling({
      reason: "signal",
      steps: ["a", "b", "c"].map((stepId) => ({
        stepId,
        cancellation: "waitCompleted",
        action: "requesting cancellation, waiting for the execution to close",
      })),
    });
    const before = new Frames(store, 100, 40).next(2).live.join("\n");
    for (const id of ["a", "b", "c"]) expect(before).toMatch(new RegExp(`^ {2}${id} +waitCompleted`, "m"));
    store.step(record("a", "canceled"), true);
    const after = new Frames(store, 100, 40).next(3).live.join("\n");
    expect(after).not.toMatch(/^ {2}a +waitCompleted/m);
    expect(after).toMatch(/^ {2}b +waitCompleted/m);
    store.step(record("b", "canceled"), true);
    store.step(record("c", "canceled"), true);
    const closed = new Frames(store, 100, 40).next(4).live.join("\n");
    expect(closed).toContain("Cancelling: interrupted. The steps that were in flight have closed.");
    expect(closed).not.toContain("waitCompleted");
  });

  it("cuts wide characters by their columns: no line is wider than the terminal", () => {
    const store = storeWith(["部署-東京", "emoji"]);
    store.step(record("部署-東京", "running", { summary: "漢字のテキスト".repeat(12) }), false);
    store.step(record("emoji", "running", { summary: "👩‍👩‍👧 👍🏽 ".repeat(20) }), false);
    for (const width of [40, 41, 60, 61]) {
      const { live } = new Frames(store, width, 40).next(1);
      expect(widest(live)).toBeLessThanOrEqual(width);
      // A cluster is cut whole: the family emoji is never split into its people.
      for (const line of live) expect(line.endsWith("\u200d…")).toBe(false);
    }
  });
});

/** A TTY as Ink sees it, `rows` tall, keeping every byte written. */
class Tty extends EventEmitter {
  isTTY = true;
  written = "";
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(chunk: string) {
    this.written += chunk;
    return true;
  }
}

describe("the mounted view on a terminal shorter than the run", () => {
  it("never clears the screen or the scrollback, and ends its last frame with a newline", async () => {
    const tty = new Tty(60, 15);
    const steps = ids(40);
    const store = storeWith(steps);
    let now = T0;
    // The frame timer on vitest's clock: each state below is drawn, however slow the machine.
    vi.useFakeTimers();
    const view = mountView(store, {
      screen: terminalOver(tty).stdout,
      stdin: Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream,
      interrupt: () => {},
      now: () => now,
    });
    for (let done = 0; done <= 40; done += 5) {
      for (const [index, id] of steps.entries()) {
        const status: StepStatus = index < done ? "completed" : index < done + 5 ? "running" : "pending";
        store.step(record(id, status), status === "completed");
      }
      now += 1000;
      await vi.advanceTimersByTimeAsync(250);
    }
    // Ink's unmount waits on timers of its own: on the real clock.
    vi.useRealTimers();
    store.runEnd({
      runId: runStart.runId,
      pipeline: "deploy",
      file: "deploy.yaml",
      address: "127.0.0.1:7233",
      namespace: "default",
      status: "completed",
      startedAt: at(0),
      closedAt: at(9),
      inputs: {},
      steps: [],
    });
    await view.stop();
    expect(tty.written).not.toContain("\u001b[3J");
    expect(tty.written).not.toContain("\u001b[2J");
    const plain = tty.written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    // The shell's prompt starts on a line of its own.
    expect(plain.endsWith("\n")).toBe(true);
    expect(plain).toContain("✔ Run completed in 9s");
  });
});
