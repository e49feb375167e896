import { describe, expect, it, vi } from "vitest";
import { describeErrorChain } from "../../../src/engine/error-chain.js";
import type { Reporter, RunRecord, StepRecord } from "../../../src/engine/events.js";
import { exitCodeOf } from "../../../src/engine/exit-code.js";
import type { RunOptions } from "../../../src/engine/run-options.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { cancellableSleep, FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import {
  activity,
  confirm,
  expr,
  fakeEvaluate,
  literal,
  nexus,
  pipeline,
} from "../../support/unit/pipeline-builder.js";

const echo: Handler = async (input) => input;
const fail: Handler = async () => {
  throw new Error("boom");
};
const cannotUndo: Handler = async () => {
  throw new Error("could not undo");
};

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

describe("runPipeline scheduling", () => {
  it("runs a chain with inputs mapped from earlier outputs, under deterministic execution IDs", async () => {
    const client = new FakeTemporal({
      reserve: async () => ({ size: 3 }),
      "svc/create": async (input) => ({ url: `db://${(input as { size: number }).size}` }),
      Notify: echo,
    });
    const p = pipeline(
      [
        activity("reserve", "reserve"),
        nexus("create", "create", { dependsOn: ["reserve"], input: expr((s) => s.steps.reserve?.output) }),
        activity("notify", "Notify", {
          dependsOn: ["create"],
          input: expr((s) => ({ url: (s.steps.create!.output as { url: string }).url, run: s.run.id })),
        }),
      ],
      { outputs: [{ name: "url", value: expr((s) => (s.steps.notify!.output as { url: string }).url) }] },
    );
    const record = await run(p, client);
    expect(record.status).toBe("completed");
    expect(record.outputs).toEqual({ url: "db://3" });
    expect(step(record, "notify").output).toEqual({ url: "db://3", run: "r" });
    expect(client.all.map((e) => e.id)).toEqual(["r.reserve", "r.create", "r.notify"]);
    expect(step(record, "create").execution).toMatchObject({ kind: "nexus", executionId: "r.create" });
  });

  it("runs independent branches in parallel but never more executions than the run's concurrency", async () => {
    const client = new FakeTemporal({ Slow: (input, ctx) => cancellableSleep(20, ctx.signal, input) });
    const steps = Array.from({ length: 8 }, (_, i) => activity(`s${i}`, "Slow"));
    const record = await run(pipeline(steps, { concurrency: 3 }), client);
    expect(record.status).toBe("completed");
    expect(client.maxInFlight).toBe(3);
  });

  it("forEach keeps outputs in input order and its own concurrency under the run's", async () => {
    const client = new FakeTemporal({
      Square: (input, ctx) => cancellableSleep(Math.random() * 10, ctx.signal, (input as number) ** 2),
    });
    const p = pipeline([
      activity("sq", "Square", {
        forEach: literal(Array.from({ length: 40 }, (_, i) => i)),
        concurrency: 5,
        input: expr((s) => s.item),
      }),
    ]);
    const record = await run(p, client);
    expect(step(record, "sq").output).toEqual(Array.from({ length: 40 }, (_, i) => i * i));
    expect(client.maxInFlight).toBe(5);
    expect(client.history("r.sq.39")).toHaveLength(1);
  });

  it("forEach tolerates failures up to the count, and fails one past it", async () => {
    const oddFails: Handler = async (input) => {
      if ((input as number) % 2 === 1) throw new Error(`odd ${input}`);
      return input;
    };
    const make = (tolerated: { count: number } | { percent: number }) =>
      pipeline([
        activity("each", "OddFails", {
          forEach: literal([1, 3, 5, 0, 2, 4]),
          concurrency: 1,
          toleratedFailures: tolerated,
          input: expr((s) => s.item),
        }),
      ]);
    const ok = await run(make({ count: 3 }), new FakeTemporal({ OddFails: oddFails }));
    expect(ok.status).toBe("completed");
    expect(step(ok, "each").output).toEqual([null, null, null, 0, 2, 4]);

    const client = new FakeTemporal({ OddFails: oddFails });
    const bad = await run(make({ percent: 40 }), client); // 40% of 6 = 2 tolerated
    expect(bad.status).toBe("failed");
    expect(step(bad, "each").status).toBe("failed");
    expect(step(bad, "each").error?.message).toBe("3 of 6 items failed (2 tolerated)");
    // Concurrency 1: the step stops at the third failure (item 2); later items never start.
    expect(step(bad, "each").items?.map((i) => i.status)).toEqual([
      "failed",
      "failed",
      "failed",
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(client.history("r.each.3")).toHaveLength(0);
  });

  it("a skipped step's dependents still run and see status skipped", async () => {
    const client = new FakeTemporal({ Echo: echo });
    const p = pipeline([
      activity("maybe", "Echo", { when: literal(false) }),
      activity("after", "Echo", { dependsOn: ["maybe"], input: expr((s) => s.steps.maybe?.status) }),
    ]);
    const record = await run(p, client);
    expect(step(record, "maybe").status).toBe("skipped");
    expect(step(record, "after").output).toBe("skipped");
    expect(client.history("r.maybe")).toHaveLength(0);
  });

  it("onError continue keeps the run going with the step failed", async () => {
    const client = new FakeTemporal({ Fail: fail, Echo: echo });
    const p = pipeline([
      activity("flaky", "Fail", { onError: "continue" }),
      activity("after", "Echo", { dependsOn: ["flaky"], input: expr((s) => s.steps.flaky?.error?.message) }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("completed");
    expect(step(record, "flaky").status).toBe("failed");
    expect(step(record, "after").output).toBe("boom");
  });

  it("after a failure: in-flight steps cancelled, compensations in reverse completion order, then finally", async () => {
    const client = new FakeTemporal({
      Echo: echo,
      Fail: fail,
      Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input),
      Undo: echo,
      Audit: echo,
    });
    const p = pipeline(
      [
        activity("first", "Echo", { compensate: undo("first") }),
        activity("second", "Echo", { dependsOn: ["first"], compensate: undo("second") }),
        activity("long", "Long", { compensate: undo("long") }),
        activity("breaks", "Fail", { dependsOn: ["second"] }),
        activity("never", "Echo", { dependsOn: ["breaks"] }),
      ],
      { finally: [activity("audit", "Audit", { section: "finally", input: expr((s) => s.run.status) })] },
    );
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    expect(record.error?.message).toBe("step 'breaks' failed: boom");
    expect(step(record, "long").status).toBe("canceled");
    expect(step(record, "never").status).toBe("skipped");
    const order = client.all.map((e) => e.id).filter((id) => id.endsWith("compensate") || id.endsWith("audit"));
    expect(order).toEqual(["r.second.compensate", "r.first.compensate", "r.audit"]);
    expect(step(record, "audit").output).toBe("failed");
    expect(client.latest("r.second.compensate")?.input).toEqual({ undo: "second" });
  });

  it("the run's error names each step that failed it and each failed compensation, each message once", async () => {
    const client = new FakeTemporal({
      Echo: echo,
      Fail: fail,
      Undo: cannotUndo,
      Audit: fail,
    });
    const p = pipeline(
      [
        activity("first", "Echo", { compensate: undo("first") }),
        activity("breaks", "Fail", { dependsOn: ["first"] }),
        activity("tolerated", "Fail", { onError: "continue" }),
      ],
      { finally: [activity("audit", "Audit", { section: "finally" })] },
    );
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    // The decisive failure, the failed finally step, then the failed compensation; not the tolerated one.
    expect(describeErrorChain(record.error!)).toBe(
      "step 'breaks' failed: Error: boom; step 'audit' failed: Error: boom; compensation 'first.compensate' failed: Error: could not undo",
    );
  });

  it("skips compensation when asked", async () => {
    const client = new FakeTemporal({ Echo: echo, Fail: fail, Undo: echo });
    const p = pipeline([
      activity("first", "Echo", { compensate: undo("first") }),
      activity("breaks", "Fail", { dependsOn: ["first"] }),
    ]);
    const record = await run(p, client, { compensate: false });
    expect(record.status).toBe("failed");
    expect(client.history("r.first.compensate")).toHaveLength(0);
  });

  it("confirm: yes approves; no one to ask fails the step and names yes: true (the CLI's: --yes)", async () => {
    const client = new FakeTemporal({ Echo: echo });
    const p = pipeline([confirm("gate", "Go?"), activity("after", "Echo", { dependsOn: ["gate"] })]);
    expect((await run(p, client, { yes: true })).status).toBe("completed");
    const record = await run(p, new FakeTemporal({ Echo: echo }), { reporter: {} });
    expect(step(record, "gate").status).toBe("failed");
    expect(step(record, "gate").error?.message).toMatch(/set yes: true in the run's options/);
    expect(step(record, "gate").error?.message).not.toContain("--yes");
    expect(step(record, "after").status).toBe("skipped");
    const cli = await run(p, new FakeTemporal({ Echo: echo }), { reporter: {}, confirmCaller: "cli" });
    expect(step(cli, "gate").error?.message).toMatch(/nobody can answer it: pass --yes/);
    const asked: Reporter = {
      onConfirm: (request) => {
        setTimeout(() => request.answer(true), 5);
        return true;
      },
    };
    expect((await run(p, new FakeTemporal({ Echo: echo }), { reporter: asked })).status).toBe("completed");
  });
});

function undo(stepId: string) {
  return {
    call: { kind: "activity" as const, activityType: "Undo", taskQueue: "q" },
    input: literal({ undo: stepId }),
    timeouts: { scheduleToClose: 60_000 },
    position: { file: "/test/pipeline.yaml", line: 1, column: 1 },
  };
}

describe("cancellation contract", () => {
  // A handler that ignores cancellation for a while, so each type's waiting is observable.
  const stubborn: Handler = (input, ctx) =>
    new Promise((resolve, reject) => {
      ctx.signal.addEventListener("abort", () => setTimeout(() => reject(new (class extends Error {})("x")), 50));
      setTimeout(() => resolve(input), 10_000);
    });

  async function cancelMidway(type: "abandon" | "tryCancel" | "waitRequested" | "waitCompleted") {
    const client = new FakeTemporal({ Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input), Echo: echo });
    const controller = new AbortController();
    const p = pipeline([
      activity("long", "Long", { cancellation: type }),
      nexus("op", "Long2", { cancellation: type }),
      activity("later", "Echo", { dependsOn: ["long"] }),
    ]);
    client.handlers["svc/Long2"] = (input, ctx) => cancellableSleep(10_000, ctx.signal, input);
    const running = run(p, client, { signal: controller.signal });
    await vi.waitUntil(() => client.inFlight === 2, MID_RUN);
    controller.abort();
    const record = await running;
    return { record, client };
  }

  it("abandon: asks nothing, the execution keeps running, the step is abandoned", async () => {
    const { record, client } = await cancelMidway("abandon");
    expect(record.status).toBe("canceled");
    expect(step(record, "long").status).toBe("abandoned");
    expect(step(record, "op").status).toBe("abandoned");
    expect(client.latest("r.long")?.cancelRequested).toBe(false);
    expect(client.latest("r.long")?.outcome).toBeUndefined();
    expect(step(record, "later").status).toBe("skipped");
  });

  it("tryCancel and waitRequested: the cancel request is made and the step ends canceled", async () => {
    for (const type of ["tryCancel", "waitRequested"] as const) {
      const { record, client } = await cancelMidway(type);
      expect(step(record, "long").status).toBe("canceled");
      expect(step(record, "op").status).toBe("canceled");
      expect(client.latest("r.long")?.cancelRequested).toBe(true);
      expect(client.latest("r.long")?.cancelReason).toMatch(/interrupted/);
    }
  });

  it("waitCompleted: waits for the close and reports what it closed as", async () => {
    const client = new FakeTemporal({ Stubborn: stubborn });
    const controller = new AbortController();
    const running = run(pipeline([activity("s", "Stubborn")]), client, { signal: controller.signal });
    await vi.waitUntil(() => client.inFlight === 1, MID_RUN);
    controller.abort();
    const record = await running;
    expect(client.latest("r.s")?.outcome?.status).toBe("failed");
    expect(step(record, "s").status).toBe("failed");
    expect(record.status).toBe("canceled");
  });

  it("a second interrupt terminates what is awaited, and skips compensation and finally", async () => {
    const client = new FakeTemporal({ Stubborn: stubborn, Echo: echo, Undo: echo });
    const signal = new AbortController();
    const terminate = new AbortController();
    const p = pipeline(
      [activity("done", "Echo", { compensate: undo("done") }), activity("s", "Stubborn", { dependsOn: ["done"] })],
      { finally: [activity("audit", "Echo", { section: "finally" })] },
    );
    const running = run(p, client, { signal: signal.signal, terminateSignal: terminate.signal });
    await vi.waitUntil(() => client.inFlight === 1 && client.latest("r.s") !== undefined, MID_RUN);
    signal.abort();
    terminate.abort();
    const record = await running;
    expect(client.latest("r.s")?.outcome?.status).toBe("terminated");
    expect(client.latest("r.s")?.terminateReason).toMatch(/second Ctrl-C/);
    expect(step(record, "s").status).toBe("terminated");
    expect(record.status).toBe("canceled");
    expect(client.history("r.done.compensate")).toHaveLength(0);
    expect(client.history("r.audit")).toHaveLength(0);
  });

  it("a second interrupt that lands on a finally step is named as the cause, not the step", async () => {
    const client = new FakeTemporal({
      Stubborn: stubborn,
      Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input),
    });
    const signal = new AbortController();
    const terminate = new AbortController();
    const p = pipeline([activity("work", "Long")], {
      finally: [activity("audit", "Stubborn", { section: "finally" })],
    });
    const running = run(p, client, { signal: signal.signal, terminateSignal: terminate.signal });
    await vi.waitUntil(() => client.inFlight === 1 && client.latest("r.work") !== undefined, MID_RUN);
    signal.abort();
    await vi.waitUntil(() => client.inFlight === 1 && client.latest("r.audit") !== undefined, MID_RUN);
    terminate.abort();
    const record = await running;
    expect(step(record, "audit").status).toBe("terminated");
    expect(step(record, "audit").error?.message).toMatch(/interrupted twice/);
    expect(record.status).toBe("canceled");
    expect(record.error?.message).toMatch(/interrupted twice: the second Ctrl-C terminated/);
    expect(record.error?.message).not.toContain("step 'audit'");
  });

  it("a second interrupt during the rollback of a failed run: the run failed, its error says it was stopped, exit 130", async () => {
    const client = new FakeTemporal({ Stubborn: stubborn, Echo: echo, Fail: fail });
    const signal = new AbortController();
    const terminate = new AbortController();
    const p = pipeline([
      activity("done", "Echo", {
        compensate: { ...undo("done"), call: { ...undo("done").call, activityType: "Stubborn" } },
      }),
      activity("bad", "Fail", { dependsOn: ["done"] }),
    ]);
    const running = run(p, client, { signal: signal.signal, terminateSignal: terminate.signal });
    await vi.waitUntil(() => client.inFlight === 1 && client.latest("r.done.compensate") !== undefined, MID_RUN);
    signal.abort();
    terminate.abort();
    const record = await running;
    expect(client.latest("r.done.compensate")?.outcome?.status).toBe("terminated");
    expect(record.status).toBe("failed");
    expect(record.error?.message).toMatch(/^step 'bad' failed: .*; interrupted twice: the second Ctrl-C terminated/);
    expect(record.error?.message).not.toContain("compensation 'done.compensate'");
    // Two Ctrl-Cs stopped the run's cleanup: the user interrupted it, whatever its status.
    expect(exitCodeOf(record, true, true)).toBe(130);
    expect(exitCodeOf(record, true)).toBe(1);
  });

  it("the run timeout cancels the run as timedOut", async () => {
    const client = new FakeTemporal({ Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input) });
    const record = await run(pipeline([activity("long", "Long")], { timeout: 30 }), client);
    expect(record.status).toBe("timedOut");
    expect(step(record, "long").status).toBe("canceled");
  });

  it("an execution cancelled from outside cancels the run", async () => {
    const client = new FakeTemporal({ Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input) });
    const running = run(pipeline([activity("a", "Long"), activity("b", "Long")]), client);
    await vi.waitUntil(() => client.inFlight === 2, MID_RUN);
    await client.activities.requestCancel("r.a", undefined, "nxrun cancel");
    const record = await running;
    expect(record.status).toBe("canceled");
    expect(step(record, "b").status).toBe("canceled");
  });
});

describe("resume", () => {
  it("reuses completed executions, re-attaches to running ones, starts only what is missing", async () => {
    let calls = 0;
    const client = new FakeTemporal({
      count: async (input) => {
        calls++;
        return input;
      },
      Long: (input, ctx) => cancellableSleep(10_000, ctx.signal, input),
      Fail: fail,
    });
    // First attempt: `a` completes, `b` is left running (abandon), `c` never starts.
    const controller = new AbortController();
    const p1 = pipeline([
      activity("a", "count", { input: literal("A") }),
      activity("b", "Long", { dependsOn: ["a"], cancellation: "abandon", input: literal("B") }),
      activity("c", "count", { dependsOn: ["b"], input: expr((s) => s.steps.b?.output) }),
    ]);
    const first = run(p1, client, { signal: controller.signal });
    await vi.waitUntil(() => client.latest("r.b") !== undefined, MID_RUN);
    controller.abort();
    expect((await first).status).toBe("canceled");
    expect(calls).toBe(1);

    let attached!: () => void;
    const bAttached = new Promise<void>((resolve) => (attached = resolve));
    const reporter: Reporter = {
      onStepUpdate: ({ stepId, record }) => {
        if (stepId === "b" && record.reused) attached();
      },
    };
    const resumed = run(p1, client, { resume: true, reporter });
    await bAttached;
    // The resumed run waits on the first attempt's execution of b; let it complete.
    client.complete("r.b", "B");
    const record = await resumed;
    expect(client.history("r.a")).toHaveLength(1);
    expect(client.history("r.b")).toHaveLength(1);
    expect(step(record, "a").reused).toBe(true);
    expect(step(record, "a").output).toBe("A");
    expect(step(record, "b").reused).toBe(true);
    expect(step(record, "c").output).toBe("B");
    expect(calls).toBe(2);
    expect(record.status).toBe("completed");

    // A third run with the same ID starts nothing at all.
    const again = await run(p1, client);
    expect(again.status).toBe("completed");
    expect(client.all).toHaveLength(3);
    expect(again.steps.every((s) => s.reused)).toBe(true);
  });

  it("starts a failed step again on resume (only completed steps are final)", async () => {
    const client = new FakeTemporal({ Flaky: fail });
    const p = pipeline([activity("a", "Flaky")]);
    expect((await run(p, client)).status).toBe("failed");
    client.handlers.Flaky = echo;
    expect((await run(p, client, { resume: true })).status).toBe("completed");
    expect(client.history("r.a").map((e) => e.outcome?.status)).toEqual(["failed", "completed"]);
  });
});

describe("a server that refuses the await for now", () => {
  it("shows the trouble as the step's progress while it lasts, then clears it; the step completes", async () => {
    const client = new FakeTemporal({ nap: async () => new Promise((r) => setTimeout(() => r("done"), 20)) });
    client.awaitTrouble = {
      reason: "busy",
      since: new Date("2026-12-01T21:00:03.000Z"),
      message: "Temporal at h:1 is rate limiting PollActivityExecution: Workflow is busy.",
    };
    const progress: Array<{ server?: unknown; trouble: boolean }> = [];
    const reporter: Reporter = { onProgress: (e) => progress.push(e.progress) };
    const record = await run(pipeline([activity("a", "nap")]), client, { reporter, describeRate: 0 });
    expect(step(record, "a").status).toBe("completed");
    expect(progress).toEqual([
      {
        server: {
          state: "busy",
          since: "2026-12-01T21:00:03.000Z",
          message: "Temporal at h:1 is rate limiting PollActivityExecution: Workflow is busy.",
        },
        trouble: true,
      },
      { trouble: false },
    ]);
  });
});

describe("metadata sent to the server", () => {
  it("masks every secret of the run (its used pipelines' too, escaped forms too) in each start's summary, not in its input", async () => {
    const own = 'pa"ss\\wo\nrd12';
    const used = "used-pipeline-secret";
    const client = new FakeTemporal({ Echo: echo, "svc/op": echo });
    const summary = expr((s) => `token ${s.secrets.tok} as JSON ${JSON.stringify({ t: s.secrets.tok })} and ${used}`);
    const p = pipeline([
      activity("a", "Echo", { input: expr((s) => s.secrets.tok), summary }),
      nexus("n", "op", { summary }),
      activity("each", "Echo", { forEach: literal([1, 2]), summary }),
    ]);
    const record = await run(p, client, {
      secrets: { tok: own },
      usedSecrets: new Map([["/test/used.yaml", { other: used }]]),
    });
    expect(record.status).toBe("completed");
    expect(client.all).toHaveLength(4);
    for (const execution of client.all) {
      expect(execution.options.summary).toBe('token *** as JSON {"t":"***"} and ***');
    }
    // The input carries the secret to the worker: that is what a secret is for.
    expect(client.all.find((e) => e.id === "r.a")?.input).toBe(own);
  });

  it("sends details, headers and typed search attributes, evaluated per item and masked; Nexus headers as text", async () => {
    const client = new FakeTemporal({ Echo: echo, "svc/op": echo });
    const p = pipeline([
      activity("each", "Echo", {
        forEach: literal(["eu", "us"]),
        details: expr((s) => `deploying **${s.item}** with ${s.secrets.tok}`),
        headers: expr((s) => ({ team: "ops", region: s.item, auth: s.secrets.tok })),
        searchAttributes: expr((s) => ({
          Region: { keyword: s.item },
          Attempt: { int: 1 },
          Tags: { keywordList: ["a"] },
        })),
      }),
      nexus("n", "op", { headers: literal({ team: "ops", retries: 3, flags: { a: true } }) }),
    ]);
    const record = await run(p, client, { secrets: { tok: "s3cret-value" } });
    expect(record.status).toBe("completed");
    const us = client.all.find((e) => e.id === "r.each.1")?.options;
    expect(us).toMatchObject({
      details: "deploying **us** with ***",
      headers: { team: "ops", region: "us", auth: "***" },
      searchAttributes: {
        Region: { type: "keyword", value: "us" },
        Attempt: { type: "int", value: 1 },
        Tags: { type: "keywordList", value: ["a"] },
      },
    });
    expect(client.all.find((e) => e.id === "r.n")?.options.headers).toEqual({
      team: "ops",
      retries: "3",
      flags: '{"a":true}',
    });
  });

  it("asks startHeaders before each start, after an event named the execution, and adds what it gives", async () => {
    const client = new FakeTemporal({ Echo: echo, "svc/op": echo });
    const announced = new Set<string>();
    const asked: string[] = [];
    const reporter: Reporter = {
      onStepStart: ({ record }) => record.execution && announced.add(record.execution.executionId),
      onItemStart: ({ item }) => item.execution && announced.add(item.execution.executionId),
    };
    const p = pipeline([
      activity("a", "Echo", { headers: literal({ team: "ops", trace: "mine" }) }),
      activity("each", "Echo", { forEach: literal([1, 2]) }),
      nexus("n", "op"),
    ]);
    const record = await run(p, client, {
      reporter,
      startHeaders: ({ kind, executionId }) => {
        // The reporter heard of the execution first: a tracer has its span by then.
        if (!announced.has(executionId)) throw new Error(`${executionId} not announced`);
        asked.push(executionId);
        return { trace: `${kind}:${executionId}` };
      },
    });
    expect(record.status).toBe("completed");
    expect(asked.sort()).toEqual(["r.a", "r.each.0", "r.each.1", "r.n"]);
    expect(client.all.find((e) => e.id === "r.a")?.options.headers).toEqual({ team: "ops", trace: "activity:r.a" });
    expect(client.all.find((e) => e.id === "r.n")?.options.headers).toEqual({ trace: "nexus:r.n" });
  });

  it("fails the step, starting nothing, when an expression gives a search attribute of the wrong type", async () => {
    const client = new FakeTemporal({ Echo: echo });
    const p = pipeline([
      activity("a", "Echo", { searchAttributes: expr(() => ({ When: { datetime: "yesterday" } })) }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    expect(step(record, "a").error?.message).toMatch(
      /search attribute "When" is of type datetime: its value must be an ISO 8601 time/,
    );
    expect(client.all).toHaveLength(0);
  });
});
