/**
 * Finishing an earlier session's cut-short rollback (src/engine/earlier-undo.ts), without a server:
 * the plan (what is left, in which order) as pure data, then the engine on the in-memory stand-in
 * (test/support/unit/fake-temporal.ts) holding what a killed session left: which executions a resume
 * compensates, each exactly once, latest completed first, a repeat, a forEach over uses and a step
 * inside a used pipeline included; and a resumed session's own rollback in the server's close order.
 */
import { describe, expect, it } from "vitest";
import { type DoneWork, leftToFinish, planUndo, type UndoState } from "../../../src/engine/earlier-undo.js";
import type { RunRecord } from "../../../src/engine/events.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { Compensation, Pipeline } from "../../../src/pipeline/model.js";
import { earlierUndos, nextAttempts, rerunSet, undoneSteps } from "../../../src/runs/manifest/resume-check.js";
import { FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, literal, pipeline, uses } from "../../support/unit/pipeline-builder.js";

const done = (closedAt: number, undo: UndoState, index?: number): DoneWork => ({
  closedAt,
  undo,
  output: null,
  ...(index === undefined ? {} : { index }),
});

describe("the plan of an earlier undo", () => {
  it("finishes only compensations never started, still running or terminated part-way", () => {
    expect((["none", "running", "terminated", "completed", "failed"] as const).filter(leftToFinish)).toEqual([
      "none",
      "running",
      "terminated",
    ]);
  });

  it("picks the work with something left, whole, latest completed first", () => {
    const single = { name: "single", done: [done(10, "none")] };
    const items = {
      name: "items",
      done: [
        done(30, "completed", 0),
        done(5, "none", 1),
        done(20, "running", 2),
        done(25, "failed", 3),
        done(15, "terminated", 4),
      ],
    };
    const x = { name: "x", done: [done(12, "none")] };
    const y = { name: "y", done: [done(40, "completed")] };
    const z = { name: "z", done: [done(8, "none")] };
    const w = { name: "w", done: [done(9, "completed")] };
    const settled = { name: "settled", done: [done(50, "completed"), done(1, "failed")] };
    const settledItems = { concurrency: 2, items: [[{ name: "v", done: [done(60, "completed")] }]] };
    const planned = planUndo([single, items, { concurrency: 2, items: [[x], [y], [z, w]] }, settled, settledItems]);

    // The forEach over uses first (its latest work, y, closed at 40, though y is undone already),
    // then items (30), then single (10); settled and settledItems have nothing left.
    expect(planned).toEqual([
      { concurrency: 2, items: [[y], [x], [w, z]] },
      { name: "items", done: [0, 3, 2, 4, 1].map((index) => items.done.find((d) => d.index === index)) },
      single,
    ]);
  });

  it("keeps equal times in the order given", () => {
    const a = { name: "a", done: [done(7, "none")] };
    const b = { name: "b", done: [done(7, "none")] };
    expect(planUndo([a, b])).toEqual([a, b]);
    expect(planUndo([b, a])).toEqual([b, a]);
  });
});

const undo: Compensation = {
  call: { kind: "activity", activityType: "undo", taskQueue: "q" },
  input: expr((s) => ({ name: s.inputs.name ?? null, item: s.item ?? null, output: s.output ?? null })),
  timeouts: { scheduleToClose: 60_000 },
  position: { file: "/test/pipeline.yaml", line: 1, column: 1 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Work given a `turn` closes 2 ms after the work of the turn before it closed: a close order no load
 * on the machine can change, where racing sleeps of different lengths could.
 */
function turns(): (turn: number) => Promise<void> {
  const closed: Promise<void>[] = [];
  const release: (() => void)[] = [];
  const ensure = (turn: number) => {
    while (closed.length <= turn) closed.push(new Promise<void>((resolve) => release.push(resolve)));
  };
  return async (turn) => {
    ensure(turn);
    if (turn > 0) await closed[turn - 1];
    await sleep(2);
    release[turn]?.();
  };
}

/**
 * Work answers what it was given, closing in its `turn` or after `ms`; Poll is ok from its second
 * call on; Gate fails while `first`.
 */
function handlers(session: { first: boolean }, undoes: Handler): Record<string, Handler> {
  let polls = 0;
  const inTurn = turns();
  return {
    work: async (input) => {
      const { ms, turn } = input as { ms?: number; turn?: number };
      await (turn === undefined ? sleep(ms ?? 1) : inTurn(turn));
      return input;
    },
    poll: async () => {
      await sleep(2);
      return { ok: ++polls >= 2 };
    },
    gate: async () => {
      if (session.first) throw new Error("gate closed");
      return {};
    },
    undo: undoes,
  };
}

const db = pipeline(
  [
    activity("create", "work", { input: expr((s) => ({ name: s.inputs.name, ms: 3 })), compensate: undo }),
    activity("seed", "work", { input: literal({ ms: 1 }), dependsOn: ["create"], needs: ["create"] }),
  ],
  { name: "db", file: "/test/db.yaml", inputs: { name: { type: "string" } } },
);

/** Each step after the one before: their close times go in plan order, items in their turns (1, 2, 0). */
function build(): Pipeline {
  const after = (id: string) => ({ needs: [id], dependsOn: [id] });
  return pipeline([
    activity("a", "work", { input: literal({ ms: 2 }), compensate: undo }),
    activity("poll", "poll", {
      ...after("a"),
      repeat: { until: expr((s) => (s.output as { ok: boolean }).ok), every: 1, limit: 5 },
      compensate: undo,
    }),
    activity("items", "work", {
      ...after("poll"),
      forEach: literal([2, 0, 1]),
      concurrency: 3,
      input: expr((s) => ({ turn: s.item })),
      compensate: undo,
    }),
    uses("dbs", db, {
      ...after("items"),
      forEach: literal(["x", "y"]),
      concurrency: 1,
      with: expr((s) => ({ name: s.item })),
    }),
    uses("solo", db, { ...after("dbs"), with: literal({ name: "solo" }) }),
    activity("gate", "gate", after("solo")),
  ]);
}

describe("a resume finishing a killed session's rollback", () => {
  it("compensates each completed execution left once, latest completed first, then reruns", async () => {
    const session = { first: true };
    // A compensation the killed session left running ends on its own a little later.
    const client = new FakeTemporal(
      handlers(session, async (input, { id }) => {
        if (id === "r.poll.compensate") await sleep(40);
        // Cut part-way in the killed session: it never ends by itself there.
        if (id === "r.dbs.0.create.compensate" && session.first) await new Promise(() => {});
        if (id === "r.a.compensate") throw new Error("undo refused");
        return input;
      }),
    );
    const p = build();
    // The killed session: everything up to the gate completed, its rollback cut short (below).
    const first = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "r", compensate: false });
    expect(first.status).toBe("failed");
    // What its rollback got to: a's compensation failed, poll's still runs, items' item 1 is
    // undone, dbs item 0's was terminated part-way; the rest never started.
    const start = (id: string) =>
      client.activities.start({ id, activityType: "undo", taskQueue: "q", args: [{}], scheduleToClose: 60_000 });
    await start("r.a.compensate");
    await start("r.items.1.compensate");
    await start("r.dbs.0.create.compensate");
    await client.activities.terminate("r.dbs.0.create.compensate", undefined, "second Ctrl-C");
    await start("r.poll.compensate");
    await sleep(5);
    const recorded = ["solo.create", "dbs.1.create", "dbs.0.create", "items", "poll", "a"];
    const before = client.all.length;

    const attempts = new Map<string, number>();
    const earlierUndo = { undos: earlierUndos(p, recorded, attempts), attempts: new Map(attempts) };
    nextAttempts(attempts, rerunSet(p, undoneSteps(p, attempts, recorded)).rerun);
    session.first = false;
    const told: string[] = [];
    const second: RunRecord = await runPipeline(p, {
      client,
      inputs: {},
      evaluate: fakeEvaluate,
      runId: "r",
      attempts,
      resume: true,
      earlierUndo,
      beforeCompensation: async (id) => {
        told.push(id);
      },
    });
    expect(second.status).toBe("completed");

    // Started by the resume, in order: the latest completed first (solo, then dbs item by item,
    // then items latest first); poll's was awaited, a's failed one is not started twice.
    const startedNow = client.all.slice(before).filter((e) => e.id.endsWith(".compensate"));
    expect(startedNow.map((e) => e.id)).toEqual([
      "r.solo.create.compensate",
      "r.dbs.1.create.compensate",
      "r.dbs.0.create.compensate",
      "r.items.0.compensate",
      "r.items.2.compensate",
    ]);
    for (const id of ["r.a.compensate", "r.poll.compensate", "r.items.1.compensate", "r.solo.create.compensate"])
      expect(client.history(id), id).toHaveLength(1);
    // The terminated one once more, and nothing else: no execution of a compensate anywhere else.
    expect(client.history("r.dbs.0.create.compensate")).toHaveLength(2);
    expect(client.latest("r.poll.compensate")?.outcome?.status).toBe("completed");
    // Each reads its own item's and output's values.
    expect(client.latest("r.dbs.1.create.compensate")?.input).toEqual({
      name: "y",
      item: null,
      output: { name: "y", ms: 3 },
    });
    expect(client.latest("r.items.2.compensate")?.input).toEqual({ name: null, item: 1, output: { turn: 1 } });
    // The repeat's undo reads its last check's output.
    expect(client.all.filter((e) => e.id.startsWith("r.poll.check-")).map((e) => e.id)).toContain("r.poll.check-2");

    // Told first, before anything started, so a session killed now leaves the same record; a's
    // undo had run its course (failed), nothing of it is left.
    expect(told.slice(0, 4)).toEqual(["r.solo.create", "r.dbs", "r.items", "r.poll"]);
    // Shown under the attempt they undid, inside their uses step, whole: items' item 1, undone
    // before the kill, is read back.
    // Labelled as every compensation row is: by the key of the attempt it undoes, its execution
    // ID's (`r.items.0.compensate` -> items.compensate), as the killed session labelled it.
    const itemsUndo = second.steps.find((s) => s.id === "items.compensate");
    expect(itemsUndo?.items?.map((i) => [i.index, i.status])).toEqual([
      [0, "completed"],
      [1, "completed"],
      [2, "completed"],
    ]);
    const shown = second.steps.filter((s) => s.section === "compensate").map((s) => [s.id, s.parent ?? null]);
    expect(shown).toEqual([
      ["solo.create.compensate", "solo"],
      ["dbs[1].create.compensate", "dbs"],
      ["dbs[0].create.compensate", "dbs"],
      ["items.compensate", null],
      ["poll.compensate", null],
    ]);
    // Nothing of the run started before its earlier work was undone (what the undo read was read back).
    const lastUndo = Math.max(...client.all.filter((e) => e.id.endsWith(".compensate")).map(closed));
    const rerun = client.all.slice(before).filter((e) => !e.id.endsWith(".compensate"));
    expect(rerun.map((e) => e.id)).toContain("r.a@2");
    for (const e of rerun) expect(e.startTime.getTime(), e.id).toBeGreaterThanOrEqual(lastUndo);
  });
});

const closed = (e: { closeTime?: Date }) => e.closeTime?.getTime() ?? Number.POSITIVE_INFINITY;

describe("a resumed session's rollback", () => {
  it("undoes what earlier sessions did in the server's reverse close order, not the order read back", async () => {
    const session = { first: true };
    const client = new FakeTemporal(handlers(session, async (input) => input));
    // slow and fast start together, fast closes first; items close 1, 2, 0, slow between 2 and 0.
    const p = pipeline([
      activity("slow", "work", { input: literal({ turn: 3 }), compensate: undo }),
      activity("fast", "work", { input: literal({ turn: 0 }), compensate: undo }),
      activity("items", "work", {
        forEach: literal([4, 1, 2]),
        concurrency: 3,
        input: expr((s) => ({ turn: s.item })),
        compensate: undo,
      }),
      activity("gate", "gate", { needs: ["slow", "fast", "items"], dependsOn: ["slow", "fast", "items"] }),
    ]);
    const first = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "o", compensate: false });
    expect(first.status).toBe("failed");
    const before = client.all.length;
    // The resume reads them all back and fails at the gate again (it stays closed): its rollback.
    const second = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "o", resume: true });
    expect(second.status).toBe("failed");
    const undone = client.all.slice(before).filter((e) => e.id.endsWith(".compensate"));
    // Each step by its latest completion, a forEach's items latest first: items (item 0 closed
    // last), slow, fast. Read back in plan order, the session itself finished them slow, fast, items.
    expect(undone.map((e) => e.id)).toEqual([
      "o.items.0.compensate",
      "o.items.2.compensate",
      "o.items.1.compensate",
      "o.slow.compensate",
      "o.fast.compensate",
    ]);
  });
});

describe("a resumed session's rollback of a forEach over uses", () => {
  it("places the items by their undoable work, not by a step with nothing to undo read back later", async () => {
    const session = { first: true };
    const client = new FakeTemporal(handlers(session, async (input) => input));
    // dbs' items (create undoable, seed not) complete before late; seed is read back by the resume,
    // after late closed on the server.
    const p = pipeline([
      uses("dbs", db, { forEach: literal(["x", "y"]), concurrency: 2, with: expr((s) => ({ name: s.item })) }),
      activity("late", "work", { input: literal({ ms: 2 }), compensate: undo, needs: ["dbs"], dependsOn: ["dbs"] }),
      activity("gate", "gate", { needs: ["late"], dependsOn: ["late"] }),
    ]);
    const first = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "u", compensate: false });
    expect(first.status).toBe("failed");
    const before = client.all.length;
    const second = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "u", resume: true });
    expect(second.status).toBe("failed");
    const undone = client.all.slice(before).filter((e) => e.id.endsWith(".compensate"));
    expect(undone.map((e) => e.id)[0]).toBe("u.late.compensate");
    expect(undone.map((e) => e.id).sort()).toEqual(
      ["u.dbs.0.create.compensate", "u.dbs.1.create.compensate", "u.late.compensate"].sort(),
    );
  });
});

describe("the rows of a rerun's rollback", () => {
  it("the undo of a step's attempt 2 is `<step>@2.compensate`, as its execution is; attempt 1's stays apart", async () => {
    const session = { first: true };
    const client = new FakeTemporal(handlers(session, async (input) => input));
    const p = pipeline([
      activity("items", "work", { forEach: literal([1, 2]), input: expr((s) => ({ ms: s.item })), compensate: undo }),
      activity("a", "work", { input: literal({ ms: 1 }), compensate: undo, needs: ["items"], dependsOn: ["items"] }),
      activity("gate", "gate", { needs: ["a"], dependsOn: ["a"] }),
    ]);
    const first = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "w" });
    expect(first.steps.filter((s) => s.section === "compensate").map((s) => s.id)).toEqual([
      "a.compensate",
      "items.compensate",
    ]);
    // A --from items session: attempt 2 of items and a, failing at the gate again.
    const attempts = new Map([
      ["items", 2],
      ["a", 2],
      ["gate", 2],
    ]);
    const second = await runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "w", attempts });
    expect(second.status).toBe("failed");
    const rows = second.steps.filter((s) => s.section === "compensate");
    expect(rows.map((s) => [s.id, s.execution?.executionId ?? s.items?.map((i) => i.execution?.executionId)])).toEqual([
      ["a@2.compensate", "w.a@2.compensate"],
      ["items@2.compensate", ["w.items@2.0.compensate", "w.items@2.1.compensate"]],
    ]);
  });
});
