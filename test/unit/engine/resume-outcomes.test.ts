/**
 * What a resumed run starts and what it reads back, and which cancellations are the run's: a failure
 * under onError: continue is done, a handler's cancel is the step's outcome, a cancel request left by
 * an earlier session restarts the execution, one made from outside now cancels the run.
 */
import { describe, expect, it, vi } from "vitest";
import type { CancelEvent, RunRecord, StepRecord } from "../../../src/engine/events.js";
import type { RunOptions } from "../../../src/engine/run-options.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { CancelledByHandler, cancellableSleep, FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, literal, pipeline, uses } from "../../support/unit/pipeline-builder.js";

const echo: Handler = async (input) => input;

function run(p: Pipeline, client: FakeTemporal, extra: Partial<RunOptions> = {}): Promise<RunRecord> {
  return runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "r", ...extra });
}

function step(record: RunRecord, id: string): StepRecord {
  const found = record.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

/** Polls the fake until a condition holds, so tests can act mid-run (vitest's own polling). */
const MID_RUN = { timeout: 5_000, interval: 2 };

describe("a resumed run keeps what ended by itself", () => {
  it("a step that failed under onError: continue is read back, not started again; one under fail is", async () => {
    let calls = 0;
    const client = new FakeTemporal({
      flaky: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
      echo: echo,
    });
    const p = pipeline([
      activity("tolerated", "flaky", { onError: "continue" }),
      activity("after", "echo", { input: literal("ok") }),
    ]);
    const first = await run(p, client);
    expect(first.status).toBe("completed");
    expect(step(first, "tolerated").status).toBe("failed");

    const resumed = await run(p, client, { resume: true });
    expect(resumed.status).toBe("completed");
    expect(step(resumed, "tolerated")).toMatchObject({ status: "failed", reused: true, error: { message: "boom 1" } });
    expect(client.history("r.tolerated")).toHaveLength(1);

    // The same failure under onError: fail is what a resume is for: started again.
    const strict = pipeline([activity("tolerated", "flaky")]);
    const again = await run(strict, client, { resume: true });
    expect(again.status).toBe("failed");
    expect(client.history("r.tolerated")).toHaveLength(2);
  });

  it("forEach items that failed under onError: continue are read back; a fresh run (no resume) starts them again", async () => {
    const client = new FakeTemporal({
      odd: async (input) => {
        if ((input as number) % 2 === 1) throw new Error("odd");
        return input;
      },
    });
    const p = pipeline([
      activity("each", "odd", { onError: "continue", forEach: literal([0, 1, 2, 3]), input: expr((s) => s.item) }),
    ]);
    const first = await run(p, client);
    expect(step(first, "each").status).toBe("failed");
    const resumed = await run(p, client, { resume: true });
    expect(step(resumed, "each").status).toBe("failed");
    expect(client.history("r.each.1")).toHaveLength(1);
    expect(client.history("r.each.3")).toHaveLength(1);
    expect(client.all).toHaveLength(4);
  });
});

describe("a canceled execution nxrun did not cancel", () => {
  it("canceled by its handler is the step's outcome: onError: fail fails the run, nobody is told nxrun cancel was called", async () => {
    const cancels: CancelEvent[] = [];
    const client = new FakeTemporal({
      refuse: async () => {
        throw new CancelledByHandler("the handler cancelled");
      },
      slow: (input, ctx) => cancellableSleep(200, ctx.signal, input),
    });
    const p = pipeline([activity("refused", "refuse"), activity("sibling", "slow", { cancellation: "tryCancel" })]);
    const record = await run(p, client, { reporter: { onCancelling: (e) => cancels.push(e) } });
    expect(step(record, "refused").status).toBe("canceled");
    expect(record.status).toBe("failed");
    expect(record.error?.message).toContain("step 'refused' canceled");
    expect(cancels.map((c) => c.reason)).toEqual(["failure"]);
  });

  it("canceled by its handler under onError: continue: the run goes on and its sibling completes", async () => {
    const cancels: CancelEvent[] = [];
    const client = new FakeTemporal({
      refuse: async () => {
        throw new CancelledByHandler("the handler cancelled");
      },
      slow: (input, ctx) => cancellableSleep(30, ctx.signal, input),
    });
    const p = pipeline([
      activity("refused", "refuse", { onError: "continue" }),
      activity("sibling", "slow", { input: literal("done") }),
    ]);
    const record = await run(p, client, { reporter: { onCancelling: (e) => cancels.push(e) } });
    expect(record.status).toBe("completed");
    expect(step(record, "refused").status).toBe("canceled");
    expect(step(record, "sibling")).toMatchObject({ status: "completed", output: "done" });
    expect(cancels).toEqual([]);
  });

  it("canceled on a request made from outside while the run awaits it (nxrun cancel) cancels the run", async () => {
    const cancels: CancelEvent[] = [];
    const client = new FakeTemporal({ slow: (input, ctx) => cancellableSleep(5_000, ctx.signal, input) });
    const p = pipeline([activity("a", "slow"), activity("b", "slow", { cancellation: "tryCancel" })]);
    const running = run(p, client, { reporter: { onCancelling: (e) => cancels.push(e) } });
    await vi.waitUntil(() => client.latest("r.a") !== undefined && client.latest("r.b") !== undefined, MID_RUN);
    await client.activities.requestCancel("r.a", undefined, "nxrun cancel r by someone");
    const record = await running;
    expect(record.status).toBe("canceled");
    expect(cancels.map((c) => c.reason)).toEqual(["remote"]);
  });

  it("a resume that re-attaches to an execution an earlier session asked to cancel waits for it to close and starts it again", async () => {
    const cancels: CancelEvent[] = [];
    let starts = 0;
    const client = new FakeTemporal({
      slow: (input, ctx) => {
        starts++;
        // The first start honours its cancel only later (a worker still cleaning up).
        return starts === 1
          ? new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => setTimeout(() => reject(new CancelledByHandler("late")), 30)),
            )
          : Promise.resolve(input);
      },
    });
    const p = pipeline([activity("a", "slow", { input: literal("second"), cancellation: "tryCancel" })]);
    const interrupt = new AbortController();
    const first = run(p, client, { signal: interrupt.signal });
    await vi.waitUntil(() => client.latest("r.a") !== undefined, MID_RUN);
    interrupt.abort();
    expect((await first).status).toBe("canceled");
    // The first session's cancel request is on the still-running execution when the resume attaches.
    expect(client.latest("r.a")?.outcome).toBeUndefined();

    const resumed = await run(p, client, { resume: true, reporter: { onCancelling: (e) => cancels.push(e) } });
    expect(cancels).toEqual([]);
    expect(resumed.status).toBe("completed");
    expect(step(resumed, "a").output).toBe("second");
    expect(client.history("r.a").map((e) => e.outcome?.status)).toEqual(["canceled", "completed"]);
  });
});

describe("an execution an earlier session asked to cancel", () => {
  it("that then fails (its handler winding down) is started again by the resume, not taken as the outcome", async () => {
    let starts = 0;
    const client = new FakeTemporal({
      slow: (input, ctx) => {
        starts++;
        return starts === 1
          ? new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => setTimeout(() => reject(new Error("gave up")), 30)),
            )
          : Promise.resolve(input);
      },
    });
    const p = pipeline([activity("a", "slow", { input: literal("again"), cancellation: "tryCancel" })]);
    const interrupt = new AbortController();
    const first = run(p, client, { signal: interrupt.signal });
    await vi.waitUntil(() => client.latest("r.a") !== undefined, MID_RUN);
    interrupt.abort();
    await first;
    const resumed = await run(p, client, { resume: true });
    expect(resumed.status).toBe("completed");
    expect(client.history("r.a").map((e) => e.outcome?.status)).toEqual(["failed", "completed"]);
  });
});

describe("a uses step that failed under onError: continue", () => {
  it("is done: a resume reads its failed inner step back, starts nothing inside it again, and goes on", async () => {
    let calls = 0;
    const client = new FakeTemporal({
      create: echo,
      migrate: async () => {
        calls++;
        throw new Error(`migration broke ${calls}`);
      },
      after: echo,
    });
    const provision = pipeline(
      [
        activity("create", "create", { input: literal("db") }),
        activity("migrate", "migrate", { dependsOn: ["create"] }),
      ],
      { file: "/test/provision.yaml", name: "provision" },
    );
    const p = pipeline([
      uses("db", provision, { onError: "continue" }),
      activity("after", "after", { dependsOn: ["db"], input: literal("ok") }),
    ]);
    const first = await run(p, client);
    expect(first.status).toBe("completed");
    expect(step(first, "db").status).toBe("failed");

    for (const session of [2, 3]) {
      const resumed = await run(p, client, { resume: true });
      expect(resumed.status, `session ${session}`).toBe("completed");
      expect(step(resumed, "db")).toMatchObject({ status: "failed", error: { type: "SubPipelineFailed" } });
      expect(step(resumed, "db").error?.message).toContain("migration broke 1");
      expect(step(resumed, "db.migrate")).toMatchObject({ status: "failed", reused: true });
    }
    expect(client.history("r.db.migrate")).toHaveLength(1);
    expect(client.history("r.db.create")).toHaveLength(1);
    expect(client.history("r.after")).toHaveLength(1);

    // The same uses step under onError: fail is what a resume is for: its failed step starts again.
    const strict = pipeline([uses("db", provision), activity("after", "after", { dependsOn: ["db"] })]);
    await run(strict, client, { resume: true });
    expect(client.history("r.db.migrate")).toHaveLength(2);
  });
});

describe("a repeat forEach item that failed by its limit", () => {
  it("keeps its last check's output in the step's output; an item that failed otherwise is null", async () => {
    const client = new FakeTemporal({
      poll: async (input) => {
        if (input === "broken") throw new Error("unreachable");
        return { healthy: input === "up", of: input };
      },
    });
    const p = pipeline([
      activity("poll", "poll", {
        forEach: literal(["up", "down", "broken"]),
        input: expr((s) => s.item),
        onError: "continue",
        toleratedFailures: { count: 2 },
        repeat: {
          until: expr((s) => (s.output as { healthy: boolean }).healthy),
          every: 1,
          limit: 2,
        },
      }),
    ]);
    const record = await run(p, client);
    const poll = step(record, "poll");
    expect(poll.status).toBe("completed");
    expect(poll.items?.map((i) => i.status)).toEqual(["completed", "failed", "failed"]);
    expect(poll.items?.[1]?.error?.type).toBe("RepeatLimitReached");
    expect(poll.output).toEqual([{ healthy: true, of: "up" }, { healthy: false, of: "down" }, null]);
  });
});
