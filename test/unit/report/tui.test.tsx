import { EventEmitter } from "node:events";
import { render } from "ink-testing-library";
import { describe, expect, it, vi } from "vitest";
import type { ItemRecord, StepRecord } from "../../../src/engine/events.js";
import { redact } from "../../../src/report/redact.js";
import { createTuiReporter } from "../../../src/report/tui/reporter.js";
import { RunView } from "../../../src/report/tui/run-view.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { at, chargeError, exec, failingRun, RUN_ID, runStart, SECRET, T0 } from "../../support/unit/sequence.js";
import { terminalOver } from "../../support/unit/terminal.js";

const WIDTH = 100;
/** Lets Ink run its effects (its input handler is attached in one) before keys are typed. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

function frameOf(
  store: ViewStore,
  seconds: number,
  handlers: { onAnswer?: (approved: boolean) => void; onInterrupt?: () => void } = {},
) {
  return render(
    <RunView
      state={store.state}
      now={T0 + seconds * 1000}
      tick={0}
      width={WIDTH}
      onAnswer={handlers.onAnswer ?? (() => {})}
      onInterrupt={handlers.onInterrupt ?? (() => {})}
    />,
  );
}

/**
 * The store as a run feeds it: behind the fan-out, which masks secrets in every event once
 * (redactEvents in src/report/index.ts). Arguments are masked the same way here.
 */
function masked(store: ViewStore): ViewStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        value.apply(
          target,
          args.map((arg) => redact(arg, [SECRET])),
        );
    },
  });
}

function storeAtStart(): ViewStore {
  const store = masked(new ViewStore(() => T0));
  store.connecting({ address: "127.0.0.1:7233", namespace: "default" });
  store.runStart(runStart);
  return store;
}

const build: StepRecord = {
  id: "build",
  section: "steps",
  kind: "activity",
  status: "running",
  execution: exec("build"),
  attempt: 1,
  startedAt: at(0),
  summary: "docker build",
};
const charge: StepRecord = {
  id: "charge",
  section: "steps",
  kind: "nexus",
  status: "running",
  execution: { kind: "nexus", executionId: `${RUN_ID}.charge` },
  attempt: 1,
  startedAt: at(1),
};

/** Build done, approve done, fanout running over `total` items. */
function storeInForEach(total: number): { store: ViewStore; items: ItemRecord[] } {
  const store = storeAtStart();
  store.step({ ...build, status: "completed", closedAt: at(2) }, true);
  store.step(
    { id: "approve", section: "steps", kind: "confirm", status: "completed", startedAt: at(2), closedAt: at(3) },
    true,
  );
  const items: ItemRecord[] = Array.from({ length: total }, (_, index) => ({ index, status: "pending" }));
  store.step({ id: "fanout", section: "steps", kind: "activity", status: "running", startedAt: at(3), items }, false);
  return { store, items };
}

describe("Ink view frames", () => {
  it("before the run starts: where it connects", () => {
    const store = new ViewStore(() => T0);
    store.connecting({ address: "temporal.example:7233", namespace: "prod" });
    expect(frameOf(store, 0).lastFrame()).toMatchInlineSnapshot(`
      "nxrun: connecting to temporal.example:7233 · namespace prod…

      Ctrl-C to cancel"
    `);
  });

  it("running: spinners, elapsed, short execution IDs, attempts, summaries, a retry", () => {
    const store = storeAtStart();
    store.step(build, false);
    store.step(
      {
        ...charge,
        summary: `pay with ${SECRET}`,
        attempt: 2,
        error: { message: "upstream 503", type: "HttpError", nonRetryable: false },
      },
      false,
    );
    const frame = frameOf(store, 3.2).lastFrame();
    expect(frame).not.toContain(SECRET);
    expect(frame).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ⠋ build        3.2s  …ab12.build  attempt 1  docker build
      ├ ◌ approve          confirm
      │ ◌ fanout
      └ ⠋ charge     2.2s  …ab12.charge  attempt 2  pay with ***
            ↻ retrying after HttpError (retryable): upstream 503
      finally
      ◌ notify

      ▶ 2 running  ◌ 3 pending  · 3.2s  · Ctrl-C to cancel"
    `);
  });

  it("forEach progress: counts, bar, the first failing items and +N more", () => {
    const { store, items } = storeInForEach(100);
    for (let index = 0; index < 60; index++) {
      store.item("fanout", { ...items[index]!, status: "running", startedAt: at(3) });
      const failed = index % 12 === 5;
      store.item("fanout", {
        ...items[index]!,
        status: failed ? "failed" : "completed",
        startedAt: at(3),
        closedAt: at(4),
        ...(failed
          ? { error: { message: `no such host h${index} (${SECRET})`, type: "DnsError", nonRetryable: true } }
          : {}),
      });
    }
    for (let index = 60; index < 65; index++)
      store.item("fanout", { ...items[index]!, status: "running", startedAt: at(4) });
    const frame = frameOf(store, 9).lastFrame();
    expect(frame).toContain("▶ 5 running");
    expect(frame).toContain("✔ 55");
    expect(frame).toContain("✖ 5 failed");
    expect(frame).toContain("+2 more failed");
    expect(frame).not.toContain(SECRET);
    expect(frame).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ✔ build          2s  …ab12.build  attempt 1  docker build
      ├ ✔ approve      1s  confirm
      │ ⠋ fanout       6s  ████████████░░░░░░░░ 60/100  ▶ 5 running  ✔ 55  ✖ 5 failed
      │     ✖ [5] DnsError (non-retryable): no such host h5 (***)
      │     ✖ [17] DnsError (non-retryable): no such host h17 (***)
      │     ✖ [29] DnsError (non-retryable): no such host h29 (***)
      │     +2 more failed
      └ ◌ charge
      finally
      ◌ notify

      ▶ 1 running  ✔ 2 completed  ◌ 2 pending  · 9s  · Ctrl-C to cancel"
    `);
  });

  it("failure: error type, retryable or not, and the cause chain", () => {
    const store = storeAtStart();
    store.step({ ...build, status: "completed", closedAt: at(2) }, true);
    store.step({ ...charge, status: "failed", closedAt: at(5), error: chargeError }, true);
    const frame = frameOf(store, 6).lastFrame();
    expect(frame).toContain("PaymentDeclined (non-retryable): card declined for token ***");
    expect(frame).toContain("↳ caused by HttpError (retryable): upstream returned 502");
    expect(frame).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ✔ build          2s  …ab12.build  attempt 1  docker build
      ├ ◌ approve          confirm
      │ ◌ fanout
      └ ✖ charge       4s  …ab12.charge  attempt 1
            ✖ PaymentDeclined (non-retryable): card declined for token ***
            ↳ caused by HttpError (retryable): upstream returned 502
      finally
      ◌ notify

      ✔ 1 completed  ✖ 1 failed  ◌ 3 pending  · 6s  · Ctrl-C to cancel"
    `);
  });

  it("watching a run that is cancelling: Ctrl-C stops watching, it terminates nothing", () => {
    const store = storeAtStart();
    store.state.watching = true;
    store.step(build, false);
    store.cancelling({ reason: "signal", steps: [] });
    const frame = frameOf(store, 4).lastFrame();
    expect(frame).toContain("Ctrl-C to stop watching (the run goes on)");
    expect(frame).not.toContain("to terminate");
  });

  it("cancelling for a failure: Ctrl-C twice to terminate (one lets the rollback go on)", () => {
    const store = storeAtStart();
    store.step(build, false);
    store.cancelling({ reason: "failure", steps: [] });
    const frame = frameOf(store, 4).lastFrame();
    expect(frame).toContain("Ctrl-C twice to terminate");
    expect(frame).not.toContain("Ctrl-C again");
  });

  it("cancelling: what each step's cancellation type is doing, and Ctrl-C again to terminate", () => {
    const store = storeAtStart();
    store.step(build, false);
    store.step(charge, false);
    store.cancelling({
      reason: "signal",
      steps: [
        {
          stepId: "build",
          cancellation: "waitCompleted",
          action: "cancel requested; waiting for the execution to close",
        },
        { stepId: "charge", cancellation: "abandon", action: "left running on Temporal" },
      ],
    });
    const frame = frameOf(store, 4).lastFrame();
    expect(frame).toContain("Ctrl-C again to terminate");
    expect(frame).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ⠋ build          4s  …ab12.build  attempt 1  docker build
      ├ ◌ approve          confirm
      │ ◌ fanout
      └ ⠋ charge       3s  …ab12.charge  attempt 1
      finally
      ◌ notify

      Cancelling: interrupted. Steps in flight follow their cancellation type:
        build   waitCompleted  cancel requested; waiting for the execution to close
        charge  abandon        left running on Temporal
      ▶ 2 running  ◌ 3 pending  · 4s  · Ctrl-C again to terminate"
    `);

    store.terminating({ executions: [exec("build")] });
    const terminating = frameOf(store, 5).lastFrame();
    expect(terminating).toContain("Terminating 1 execution nxrun was waiting on; exiting.");
    expect(terminating).not.toContain("Ctrl-C again");
  });

  it("confirm prompt: y approves, Ctrl-C is handed to the engine as SIGINT", async () => {
    const store = storeAtStart();
    store.step({ ...build, status: "completed", closedAt: at(2) }, true);
    const answer = vi.fn();
    store.step({ id: "approve", section: "steps", kind: "confirm", status: "running", startedAt: at(2) }, false);
    store.confirm({ stepId: "approve", prompt: `Deploy to prod with ${SECRET}?`, answer });
    const interrupt = vi.fn();
    const view = frameOf(store, 3, { onAnswer: (approved) => store.answer(approved), onInterrupt: interrupt });
    expect(view.lastFrame()).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ✔ build          2s  …ab12.build  attempt 1  docker build
      ├ ⠋ approve      1s  confirm
      │ ◌ fanout
      └ ◌ charge
      finally
      ◌ notify

      ? approve  Deploy to prod with ***? (y/n)
      ▶ 1 running  ✔ 1 completed  ◌ 3 pending  · 3s  · y/n to answer · Ctrl-C to cancel"
    `);
    // Ink attaches its input handler in an effect, after the first frame.
    await tick();
    view.stdin.write("x");
    view.stdin.write("y");
    // One answer, y's: the x before it answered nothing.
    await vi.waitFor(() => expect(answer).toHaveBeenCalled());
    expect(answer.mock.calls).toEqual([[true]]);
    expect(store.state.confirm).toBeUndefined();

    store.confirm({ stepId: "approve", prompt: "again?", answer });
    view.rerender(
      <RunView
        state={store.state}
        now={T0}
        tick={0}
        width={WIDTH}
        onAnswer={(a) => store.answer(a)}
        onInterrupt={interrupt}
      />,
    );
    await tick();
    view.stdin.write("\u0003");
    await vi.waitFor(() => expect(interrupt).toHaveBeenCalledTimes(1));
  });

  it("done: summary, totals and outputs", () => {
    const store = masked(new ViewStore(() => T0));
    failingRun({
      onRunStart: (e) => store.runStart(e),
      onStepStart: (e) => store.step(e.record, false),
      onStepUpdate: (e) => store.step(e.record, false),
      onStepEnd: (e) => store.step(e.record, true),
      onItemStart: (e) => store.item(e.stepId, e.item),
      onItemEnd: (e) => store.item(e.stepId, e.item),
      onRunEnd: (r) => store.runEnd(r),
    });
    const frame = frameOf(store, 60).lastFrame();
    expect(frame).not.toContain(SECRET);
    expect(frame).toContain("✖ Run failed in 7s");
    expect(frame).toMatchInlineSnapshot(`
      "deploy  run deploy-20250101T000000Z-ab12
      127.0.0.1:7233 · namespace default · deploy.yaml

      ✔ build          2s  …ab12.build  attempt 2  build with ***
      ├ ✔ approve      1s  confirm
      │ ✖ fanout       2s  ████████████████████ 5/5  ✔ 4  ✖ 1 failed
      │     ✖ [3] ItemError (non-retryable): item <3> & "broke"
      │     ✖ ForEachFailed (non-retryable): 1 of 5 items failed
      └ ✖ charge       4s  …ab12.charge  attempt 1
            ✖ PaymentDeclined (non-retryable): card declined for token ***
            ↳ caused by HttpError (retryable): upstream returned 502
      finally
      ✔ notify         1s  …ab12.notify  attempt 1

      ✖ PaymentDeclined (non-retryable): card declined for token ***
      ↳ caused by HttpError (retryable): upstream returned 502
      outputs it produced
        image = "x:1"
        leaked = "Bearer ***"

      ✖ Run failed in 7s  ✔ 3 completed  ✖ 2 failed"
    `);
  });
});

describe("text from workers in the view", () => {
  const HOSTILE = "copy\u001b]52;c;aGk=\u0007 clear\u001b[2J ok\rPWNED \u202eexe.txt\u202c";
  const SHOWN = "copy\\u001b]52;c;aGk=\\u0007 clear\\u001b[2J ok\\rPWNED \\u202eexe.txt\\u202c";

  it("shows control characters, escape sequences and bidi overrides escaped, never raw", () => {
    const store = storeAtStart();
    store.step({ ...build, summary: HOSTILE }, false);
    store.step(
      {
        ...charge,
        status: "failed",
        closedAt: at(5),
        error: { message: HOSTILE, type: `T\u001b[31m`, cause: { message: `line1\nline2` } },
      },
      true,
    );
    store.confirm({ stepId: "approve", prompt: `Go?\u001b]8;;http://evil\u0007`, answer: () => {} });
    expect(frameOf(store, 8).lastFrame()).toContain("Go?\\u001b]8;;http://evil\\u0007");
    store.runEnd({
      ...failingRun({}),
      steps: [],
      outputs: { [`k\u001b[2J`]: HOSTILE, n: { deep: "\u009b2J\u2066" } },
      error: { message: HOSTILE },
    });
    const frame = frameOf(store, 9).lastFrame() ?? "";
    expect(frame).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(frame).toContain(SHOWN);
    expect(frame).toContain("T\\u001b[31m");
    expect(frame).toContain("line1\\nline2");
    // Outputs are drawn as JSON (which escapes C0 controls itself), then sanitized: nothing doubled.
    expect(frame).toContain(
      'k\\u001b[2J = "copy\\u001b]52;c;aGk=\\u0007 clear\\u001b[2J ok\\rPWNED \\u202eexe.txt\\u202c"',
    );
    expect(frame).toContain('{"deep":"\\u009b2J\\u2066"}');
  });
});

/** A terminal for the reporter: counts the frames Ink writes (a frame is the chunk with the header). */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = WIDTH;
  rows = 40;
  writes = 0;
  last = "";
  write(chunk: string) {
    if (chunk.includes(`run ${RUN_ID}`)) {
      this.writes++;
      this.last = chunk;
    }
    return true;
  }
}

describe("the Ink reporter", () => {
  it("draws at a bounded rate: 10,000 item events cost one frame, a clock alone 2 a second", async () => {
    // The redraw policy (src/report/tui/mount.tsx) on vitest's clock: frames counted per simulated second.
    vi.useFakeTimers({ now: Date.parse(at(0)) });
    const stdout = new FakeTerminal();
    const reporter = createTuiReporter({
      terminal: terminalOver(stdout),
      header: { address: "127.0.0.1:7233", namespace: "default" },
    });
    try {
      reporter.onRunStart?.(runStart);
      const items: ItemRecord[] = Array.from({ length: 10_000 }, (_, index) => ({ index, status: "pending" }));
      reporter.onStepStart?.({
        stepId: "fanout",
        record: { id: "fanout", section: "steps", kind: "activity", status: "running", startedAt: at(0), items },
      });
      // The view mounts after an import: until its first frame is drawn (vi.waitFor moves the fake clock).
      await vi.waitFor(() => expect(stdout.writes).toBeGreaterThan(0), { timeout: 10_000 });
      await vi.advanceTimersByTimeAsync(1_000);
      const before = stdout.writes;
      for (const item of items) {
        reporter.onItemStart?.({ stepId: "fanout", item: { ...item, status: "running" } });
        reporter.onItemEnd?.({ stepId: "fanout", item: { ...item, status: "completed" } });
      }
      // Events only update the store: not one frame is drawn while they arrive.
      expect(stdout.writes - before).toBe(0);
      // Within a redraw interval, one frame draws them all.
      await vi.advanceTimersByTimeAsync(500);
      expect(stdout.writes - before).toBe(1);
      expect(stdout.last).toContain("10000/10000");
      // From then on only the clock moves: 2 frames a second, 20 in 10 s.
      const settled = stdout.writes;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(stdout.writes - settled).toBe(20);
    } finally {
      // Ink's unmount waits on timers of its own: on the real clock.
      vi.useRealTimers();
      await reporter?.close?.();
    }
  });

  it("colours the view only where the terminal allows (NO_COLOR honoured, as chalk alone would not)", async () => {
    const drawn = async (env: Record<string, string>) => {
      const stdout = new FakeTerminal();
      const chunks: string[] = [];
      stdout.write = (chunk: string) => {
        chunks.push(chunk);
        return true;
      };
      const reporter = createTuiReporter({
        terminal: terminalOver(stdout, env),
        header: { address: "127.0.0.1:7233", namespace: "default" },
      });
      reporter.onRunStart?.(runStart);
      await reporter.close?.();
      return chunks.join("");
    };
    const plain = await drawn({ NO_COLOR: "1" });
    expect(plain).toContain(`run ${RUN_ID}`);
    // Only cursor movement and erase sequences, no SGR colour codes.
    expect(plain).not.toMatch(/\u001b\[[0-9;]*m/);
    expect(await drawn({})).toMatch(/\u001b\[[0-9;]*m/);
  });

  it("cannot prompt without a TTY on stdin, so the engine asks for --yes", async () => {
    const reporter = createTuiReporter({
      terminal: terminalOver(new FakeTerminal()),
      header: { address: "a", namespace: "n" },
    });
    expect(reporter.onConfirm?.({ stepId: "approve", prompt: "ok?", answer: () => {} })).toBe(false);
    await reporter.close?.();
  });
});
