/**
 * Rollback on the in-memory stand-in (test/support/unit/fake-temporal.ts): each completed forEach
 * item undone by its own execution with its own `$item`, `$index` and `$output`, latest first and
 * within the step's concurrency; what failed or never started left alone; what was undone shown as
 * `compensated` (or `compensationFailed`) to reporters and to `finally`.
 */
import { describe, expect, it } from "vitest";
import type { ItemEvent, Reporter, RunRecord, StepRecord, StepUpdate } from "../../../src/engine/events.js";
import type { RunOptions } from "../../../src/engine/run-options.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { CompiledValue } from "../../../src/pipeline/expr/compiled.js";
import { evaluate } from "../../../src/pipeline/expr/evaluate.js";
import { loadPipelineText } from "../../../src/pipeline/load.js";
import type { Compensation, Pipeline } from "../../../src/pipeline/model.js";
import { cancellableSleep, FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, literal, pipeline, uses } from "../../support/unit/pipeline-builder.js";

const fail: Handler = async () => {
  throw new Error("boom");
};
const echo: Handler = async (input) => input;

/** A handler that gives `map(input)`, or fails with `message` when `fails(input)` holds. */
function handler(map: (input: unknown) => unknown, fails?: (input: unknown) => string | undefined): Handler {
  return async (input) => {
    const message = fails?.(input);
    if (message !== undefined) throw new Error(message);
    return map(input);
  };
}
const same = (input: unknown) => input;

function run(p: Pipeline, client: FakeTemporal, extra: Partial<RunOptions> = {}): Promise<RunRecord> {
  return runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "r", ...extra });
}

function step(record: RunRecord, id: string): StepRecord {
  const found = record.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

function undo(input: CompiledValue, activityType = "Undo"): Compensation {
  return {
    call: { kind: "activity", activityType, taskQueue: "q" },
    input,
    timeouts: { scheduleToClose: 60_000 },
    position: { file: "/test/pipeline.yaml", line: 1, column: 1 },
  };
}

/** What each compensation saw: `$item`, `$index` and `$output`. */
const seen = expr((s) => ({ item: s.item ?? null, index: s.index ?? null, output: s.output ?? null }));

/** Item i (of "abcd...") completes after `delays[i]` ms, returning `out-<item>`. */
function delayed(delays: number[]): Handler {
  return (input, ctx) => {
    const item = input as string;
    return cancellableSleep(delays[item.charCodeAt(0) - 97] ?? 0, ctx.signal, `out-${item}`);
  };
}

const compensations = (client: FakeTemporal) => client.all.filter((e) => e.id.endsWith(".compensate"));

describe("rollback per forEach item", () => {
  it("undoes each completed item with its own $item, $index and $output, latest completed first", async () => {
    const client = new FakeTemporal({ Work: delayed([30, 5, 15]), Fail: fail, Undo: echo });
    const p = pipeline([
      activity("flush", "Work", {
        forEach: literal(["a", "b", "c"]),
        input: expr((s) => s.item),
        compensate: undo(seen),
      }),
      activity("gate", "Fail", { dependsOn: ["flush"] }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    // Completed b (5 ms), c (15 ms), a (30 ms): undone a, c, b.
    expect(compensations(client).map((e) => [e.id, e.input])).toEqual([
      ["r.flush.0.compensate", { item: "a", index: 0, output: "out-a" }],
      ["r.flush.2.compensate", { item: "c", index: 2, output: "out-c" }],
      ["r.flush.1.compensate", { item: "b", index: 1, output: "out-b" }],
    ]);
    const flush = step(record, "flush");
    expect(flush.status).toBe("compensated");
    expect(flush.items?.map((item) => item.status)).toEqual(["compensated", "compensated", "compensated"]);
    const undone = step(record, "flush.compensate");
    expect(undone).toMatchObject({ section: "compensate", status: "completed" });
    expect(undone.items?.map((item) => [item.index, item.status, item.execution?.executionId])).toEqual([
      [0, "completed", "r.flush.0.compensate"],
      [1, "completed", "r.flush.1.compensate"],
      [2, "completed", "r.flush.2.compensate"],
    ]);
  });

  it("as written in YAML: check accepts $output in compensate, JSONata binds it with $item and $index", async () => {
    const loaded = loadPipelineText(
      `nxrun: 1
name: flush
defaults: { taskQueue: q }
steps:
  - id: flush
    forEach: [a, b]
    concurrency: 1
    activity: Work
    input: { cache: "{% $item %}" }
    compensate:
      activity: Undo
      input: { item: "{% $item %}", index: "{% $index %}", output: "{% $output %}" }
  - id: gate
    activity: Fail
    needs: [flush]
`,
      "/test/flush.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const client = new FakeTemporal({ Work: handler((input) => ({ flushed: input })), Fail: fail, Undo: echo });
    await runPipeline(loaded.pipeline, { client, inputs: {}, evaluate, runId: "r" });
    expect(compensations(client).map((e) => e.input)).toEqual([
      { item: "b", index: 1, output: { flushed: { cache: "b" } } },
      { item: "a", index: 0, output: { flushed: { cache: "a" } } },
    ]);
  });

  it("an expression that fails in a compensation has the eval hint for its step and field", async () => {
    const loaded = loadPipelineText(
      `nxrun: 1
name: undo-hint
defaults: { taskQueue: q }
steps:
  - id: open
    activity: Work
    compensate:
      activity: Undo
      input: { ticket: "{% $number($output.note) %}" }
  - id: flush
    forEach: [a]
    activity: Work
    compensate:
      activity: Undo
      input: { item: "{% $number($item) %}" }
  - id: gate
    activity: Fail
    needs: [open, flush]
`,
      "/test/undo-hint.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const client = new FakeTemporal({ Work: handler(() => ({ note: "not a number" })), Fail: fail, Undo: echo });
    const record = await runPipeline(loaded.pipeline, { client, inputs: {}, evaluate, runId: "r" });
    expect(compensations(client)).toEqual([]);
    const open = step(record, "open.compensate");
    expect(open.status).toBe("failed");
    expect(open.error?.message).toContain(
      "try it with `nxrun eval '$number($output.note)' --pipeline /test/undo-hint.yaml --step open --in compensate`",
    );
    const item = step(record, "flush.compensate").items?.[0];
    expect(item?.status).toBe("failed");
    expect(item?.error?.message).toContain(
      "try it with `nxrun eval '$number($item)' --pipeline /test/undo-hint.yaml --step flush --in compensate`",
    );
    expect(record.error?.message).toContain("--step open --in compensate");
  });

  it("a single step's compensation reads its output as $output", async () => {
    const client = new FakeTemporal({ Open: handler(() => ({ ticket: 7 })), Fail: fail, Undo: echo });
    const p = pipeline([
      activity("open", "Open", { compensate: undo(seen) }),
      activity("gate", "Fail", { dependsOn: ["open"] }),
    ]);
    const record = await run(p, client);
    expect(client.latest("r.open.compensate")?.input).toEqual({ item: null, index: null, output: { ticket: 7 } });
    expect(step(record, "open").status).toBe("compensated");
  });

  it("runs at most the step's concurrency of item compensations at once", async () => {
    let inFlight = 0;
    let most = 0;
    const client = new FakeTemporal({
      Work: echo,
      Fail: fail,
      Undo: async (input, ctx) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await cancellableSleep(5, ctx.signal, null);
        inFlight--;
        return input;
      },
    });
    const p = pipeline([
      activity("flush", "Work", {
        forEach: literal(Array.from({ length: 9 }, (_, i) => i)),
        concurrency: 3,
        input: expr((s) => s.item),
        compensate: undo(seen),
      }),
      activity("gate", "Fail", { dependsOn: ["flush"] }),
    ]);
    await run(p, client);
    expect(compensations(client)).toHaveLength(9);
    expect(most).toBe(3);
  });

  it("leaves items that failed or never started alone; the failed step keeps its end", async () => {
    const client = new FakeTemporal({
      Work: handler(same, (input) => (input === "b" ? "b broke" : undefined)),
      Undo: echo,
    });
    const p = pipeline([
      activity("flush", "Work", {
        forEach: literal(["a", "b", "c", "d"]),
        concurrency: 1,
        input: expr((s) => s.item),
        compensate: undo(seen),
      }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    expect(compensations(client).map((e) => e.id)).toEqual(["r.flush.0.compensate"]);
    const flush = step(record, "flush");
    expect(flush.status).toBe("failed");
    expect(flush.items?.map((item) => item.status)).toEqual(["compensated", "failed", "skipped", "skipped"]);
    expect(step(record, "flush.compensate").items?.map((item) => item.index)).toEqual([0]);
  });

  it("undoes the completed items of a forEach the run cancelled part-way", async () => {
    const client = new FakeTemporal({
      Work: (input, ctx) => cancellableSleep(input === "a" ? 1 : 10_000, ctx.signal, input),
      Fail: (_input, ctx) => cancellableSleep(20, ctx.signal, null).then(() => Promise.reject(new Error("late"))),
      Undo: echo,
    });
    const p = pipeline([
      activity("flush", "Work", { forEach: literal(["a", "b"]), input: expr((s) => s.item), compensate: undo(seen) }),
      activity("other", "Fail"),
    ]);
    const record = await run(p, client);
    expect(step(record, "flush").status).toBe("canceled");
    expect(step(record, "flush").items?.map((item) => item.status)).toEqual(["compensated", "canceled"]);
    expect(compensations(client).map((e) => e.id)).toEqual(["r.flush.0.compensate"]);
  });

  it("a failed item compensation: the item and step show compensationFailed, the others still run", async () => {
    const client = new FakeTemporal({
      Work: echo,
      Fail: fail,
      Undo: handler(same, (input) => ((input as { item: string }).item === "b" ? "cannot undo b" : undefined)),
    });
    const p = pipeline([
      activity("flush", "Work", {
        forEach: literal(["a", "b", "c"]),
        concurrency: 1,
        input: expr((s) => s.item),
        compensate: undo(seen),
      }),
      activity("gate", "Fail", { dependsOn: ["flush"] }),
    ]);
    const record = await run(p, client);
    expect(compensations(client)).toHaveLength(3);
    const flush = step(record, "flush");
    expect(flush.status).toBe("compensationFailed");
    expect(flush.items?.map((item) => item.status)).toEqual(["compensated", "compensationFailed", "compensated"]);
    const undone = step(record, "flush.compensate");
    expect(undone.status).toBe("failed");
    expect(undone.error?.message).toBe("1 of 3 item compensations failed");
    expect(undone.error?.cause?.message).toBe("cannot undo b");
  });

  it("finally sees what was undone in $steps, and reporters are told each item and the step's new state", async () => {
    const client = new FakeTemporal({ Work: echo, Fail: fail, Undo: echo, Audit: echo });
    const items: Array<[string, number, string]> = [];
    const updates: Array<[string, string]> = [];
    const reporter: Reporter = {
      onItemEnd: ({ stepId, item }: ItemEvent) => items.push([stepId, item.index, item.status]),
      onStepUpdate: ({ stepId, record }: StepUpdate) => updates.push([stepId, record.status]),
    };
    const p = pipeline(
      [
        activity("flush", "Work", {
          forEach: literal(["a", "b"]),
          concurrency: 1,
          input: expr((s) => s.item),
          compensate: undo(seen),
        }),
        activity("gate", "Fail", { dependsOn: ["flush"] }),
      ],
      {
        finally: [
          activity("audit", "Audit", {
            section: "finally",
            input: expr((s) => ({ flush: s.steps.flush?.status, gate: s.steps.gate?.status })),
          }),
        ],
      },
    );
    const record = await run(p, client, { reporter });
    expect(step(record, "audit").output).toEqual({ flush: "compensated", gate: "failed" });
    expect(items.filter(([id]) => id === "flush.compensate")).toEqual([
      ["flush.compensate", 1, "completed"],
      ["flush.compensate", 0, "completed"],
    ]);
    expect(updates).toContainEqual(["flush", "compensated"]);
  });

  it("a forEach over uses: each item's completed steps undone under the item's ID, with the item's inputs", async () => {
    const client = new FakeTemporal({
      Create: handler((input) => ({ db: (input as { tenant: string }).tenant })),
      Migrate: handler(same, (input) =>
        (input as { tenant: string }).tenant === "t1" ? "t1 will not migrate" : undefined,
      ),
      Fail: fail,
      Undo: echo,
    });
    const tenant = expr((s) => ({ tenant: s.inputs.tenant }));
    const provision = pipeline(
      [
        activity("create", "Create", {
          input: tenant,
          compensate: undo(expr((s) => ({ tenant: s.inputs.tenant, output: s.output }))),
        }),
        activity("migrate", "Migrate", { dependsOn: ["create"], input: tenant }),
      ],
      { file: "/test/provision.yaml", name: "provision", inputs: { tenant: { type: "string" } } },
    );
    const p = pipeline([
      uses("dbs", provision, {
        forEach: literal(["t0", "t1", "t2"]),
        concurrency: 1,
        toleratedFailures: { count: 1 },
        with: expr((s) => ({ tenant: s.item })),
      }),
      activity("gate", "Fail", { dependsOn: ["dbs"] }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    // t1's create completed although its migrate failed: undone too (its work was done).
    expect(compensations(client).map((e) => [e.id, e.input])).toEqual([
      ["r.dbs.2.create.compensate", { tenant: "t2", output: { db: "t2" } }],
      ["r.dbs.1.create.compensate", { tenant: "t1", output: { db: "t1" } }],
      ["r.dbs.0.create.compensate", { tenant: "t0", output: { db: "t0" } }],
    ]);
    expect(step(record, "dbs[2].create").status).toBe("compensated");
    expect(step(record, "dbs[2].create.compensate")).toMatchObject({ status: "completed", parent: "dbs" });
    const dbs = step(record, "dbs");
    expect(dbs.status).toBe("compensated");
    expect(dbs.items?.map((item) => item.status)).toEqual(["compensated", "failed", "compensated"]);
  });

  it("a forEach over uses: its items undone at most its concurrency at a time, latest completed first", async () => {
    let undoing = 0;
    let most = 0;
    const started: string[] = [];
    const client = new FakeTemporal({
      // t0 completes last, t3 first: the undo starts with t0.
      Create: (input, ctx) => {
        const tenant = (input as { tenant: string }).tenant;
        return cancellableSleep(40 - 10 * Number(tenant.slice(1)), ctx.signal, { db: tenant });
      },
      Fail: fail,
      Undo: async (input, ctx) => {
        started.push((input as { tenant: string }).tenant);
        undoing++;
        most = Math.max(most, undoing);
        try {
          return await cancellableSleep(30, ctx.signal, input);
        } finally {
          undoing--;
        }
      },
    });
    const tenant = expr((s) => ({ tenant: s.inputs.tenant }));
    const provision = pipeline([activity("create", "Create", { input: tenant, compensate: undo(tenant) })], {
      file: "/test/provision.yaml",
      name: "provision",
      inputs: { tenant: { type: "string" } },
    });
    const p = pipeline([
      uses("dbs", provision, {
        forEach: literal(["t0", "t1", "t2", "t3"]),
        concurrency: 4,
        with: expr((s) => ({ tenant: s.item })),
      }),
      activity("gate", "Fail", { dependsOn: ["dbs"] }),
    ]);
    const record = await run(p, client);
    expect(record.status).toBe("failed");
    expect(started).toEqual(["t0", "t1", "t2", "t3"]);
    expect(most).toBe(4);
    expect(step(record, "dbs").items?.map((item) => item.status)).toEqual(Array(4).fill("compensated"));

    // Concurrency 2: never more than two items undone at once.
    undoing = 0;
    most = 0;
    started.length = 0;
    const two = pipeline([
      uses("dbs", provision, {
        forEach: literal(["t0", "t1", "t2", "t3"]),
        concurrency: 2,
        with: expr((s) => ({ tenant: s.item })),
      }),
      activity("gate", "Fail", { dependsOn: ["dbs"] }),
    ]);
    await run(two, new FakeTemporal({ Create: echo, Fail: fail, Undo: client.handlers.Undo as Handler }));
    expect(started).toHaveLength(4);
    expect(most).toBe(2);
  });

  it("tells beforeCompensation each step before its first compensation starts; when that fails, nothing starts", async () => {
    const client = new FakeTemporal({ Work: echo, Fail: fail, Undo: echo });
    const told: Array<[string, number]> = [];
    const p = pipeline([
      activity("open", "Work", { compensate: undo(seen) }),
      activity("flush", "Work", {
        dependsOn: ["open"],
        forEach: literal(["a", "b"]),
        input: expr((s) => s.item),
        compensate: undo(seen),
      }),
      activity("gate", "Fail", { dependsOn: ["flush"] }),
    ]);
    const record = await run(p, client, {
      beforeCompensation: async (id) => {
        told.push([id, compensations(client).length]);
        if (id === "r.open") throw new Error("record refused");
      },
    });
    expect(told).toEqual([
      ["r.flush", 0],
      ["r.open", 2],
    ]);
    expect(client.history("r.open.compensate")).toHaveLength(0);
    expect(step(record, "open").status).toBe("completed");
    expect(step(record, "open.compensate")).toMatchObject({
      status: "failed",
      error: { type: "CompensationNotRecorded" },
    });
    expect(step(record, "flush").status).toBe("compensated");
  });
});
