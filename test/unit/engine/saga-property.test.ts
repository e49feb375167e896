/**
 * The saga invariant over random pipelines with random failure points (fast-check), on the in-memory
 * stand-in (test/support/unit/fake-temporal.ts): after a failed run, every completed step and
 * forEach item with a `compensate` was compensated exactly once, later-ended steps first and each
 * step's items latest completed first, and nothing that did not complete was; after a resume that
 * succeeds (the resume's attempts worked out as a session does: src/runs/manifest/resume-check.ts),
 * no step is left built on undone work: nothing it reads back was compensated. And when a second
 * Ctrl-C cuts the rollback at a random compensation, the resume finishes it: every completed
 * execution of a step the rollback set out to undo is compensated exactly once in the end.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Reporter, RunRecord } from "../../../src/engine/events.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { Compensation, Pipeline, Step } from "../../../src/pipeline/model.js";
import { earlierUndos, nextAttempts, rerunSet, undoneSteps } from "../../../src/runs/manifest/resume-check.js";
import { FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, literal, pipeline } from "../../support/unit/pipeline-builder.js";

interface StepPlan {
  /** Items of a forEach; 0 for a single step. */
  items: number;
  concurrency: number;
  compensate: boolean;
  /** Indexes of earlier steps it needs. */
  needs: number[];
  /** Per execution (the step, or each item): fails in the first session, and how long it takes. */
  fails: boolean[];
  delays: number[];
}

const stepPlan = (position: number): fc.Arbitrary<StepPlan> =>
  fc.integer({ min: 0, max: 4 }).chain((items) => {
    const executions = Math.max(1, items);
    return fc.record({
      items: fc.constant(items),
      concurrency: fc.integer({ min: 1, max: 3 }),
      compensate: fc.boolean(),
      needs: position === 0 ? fc.constant([]) : fc.uniqueArray(fc.nat({ max: position - 1 }), { maxLength: 2 }),
      // One execution in ten fails (weights, not a number's bias towards 0).
      fails: fc.array(
        fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
        {
          minLength: executions,
          maxLength: executions,
        },
      ),
      delays: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: executions, maxLength: executions }),
    });
  });

// Random steps, then most often a gate after all of them that fails: many runs fail after much
// has completed, which is where a rollback has the most to undo.
const plans: fc.Arbitrary<StepPlan[]> = fc
  .integer({ min: 1, max: 6 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => stepPlan(i))),
      fc.integer({ min: 0, max: 3 }).map((x): StepPlan[] =>
        x === 0
          ? []
          : [
              {
                items: 0,
                concurrency: 1,
                compensate: false,
                needs: Array.from({ length: n }, (_, i) => i),
                fails: [true],
                delays: [0],
              },
            ],
      ),
    ),
  )
  .map(([steps, gate]) => [...steps, ...gate]);

const undo: Compensation = {
  call: { kind: "activity", activityType: "Undo", taskQueue: "q" },
  input: expr((s) => ({ item: s.item ?? null, output: s.output ?? null })),
  timeouts: { scheduleToClose: 60_000 },
  position: { file: "/test/pipeline.yaml", line: 1, column: 1 },
};

function build(plan: StepPlan[]): Pipeline {
  const steps: Step[] = plan.map((p, i) =>
    activity(`s${i}`, "Work", {
      dependsOn: p.needs.map((n) => `s${n}`),
      input: p.items > 0 ? expr((s) => ({ step: i, item: s.index })) : literal({ step: i, item: null }),
      ...(p.items > 0
        ? { forEach: literal(Array.from({ length: p.items }, (_, k) => k)), concurrency: p.concurrency }
        : {}),
      ...(p.compensate ? { compensate: undo } : {}),
    }),
  );
  return pipeline(steps, {
    finally: [activity("audit", "Work", { section: "finally", input: expr((s) => ({ status: s.run.status })) })],
  });
}

/** Work: an execution whose plan says so fails while `session.first`; in the resume everything works. */
function workHandler(plan: StepPlan[], session: { first: boolean }): Handler {
  return async (input) => {
    const { step, item, status } = input as { step?: number; item?: number | null; status?: string };
    if (status !== undefined) return { status };
    const p = plan[step as number] as StepPlan;
    const at = item ?? 0;
    await new Promise((resolve) => setTimeout(resolve, p.delays[at] ?? 0));
    if (p.fails[at] && session.first) throw new Error(`s${step}${item === null ? "" : `[${item}]`} failed`);
    return { done: `${step}.${item}` };
  };
}

/** The order steps ended in, and each step's items in the order they completed. */
function endings(): { reporter: Reporter; steps: string[]; items: Map<string, number[]> } {
  const steps: string[] = [];
  const items = new Map<string, number[]>();
  const reporter: Reporter = {
    onStepEnd: ({ stepId, record }) => {
      if (record.section === "steps" && !steps.includes(stepId)) steps.push(stepId);
    },
    onItemEnd: ({ stepId, item }) => {
      if (item.status !== "completed") return;
      items.set(stepId, [...(items.get(stepId) ?? []), item.index]);
    },
  };
  return { reporter, steps, items };
}

/**
 * Undo: in the first session, the compensation after the first `cut` is cut: the second Ctrl-C
 * lands while it runs (it is terminated, the rest never start). Later, every undo works.
 */
function cutAfter(cut: number, session: { first: boolean }, secondCtrlC: AbortController): Handler {
  let starts = 0;
  return async (input) => {
    if (!session.first || ++starts <= cut) return input;
    setTimeout(() => secondCtrlC.abort(), 2);
    return await new Promise(() => {});
  };
}

describe("the saga invariant", () => {
  it("holds over random pipelines and failure points, through a resume", async () => {
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        const session = { first: true };
        const client = new FakeTemporal({ Work: workHandler(plan, session), Undo: async (input, _ctx) => input });
        const p = build(plan);
        const seen = endings();
        const recorded: string[] = [];
        const first = await runPipeline(p, {
          client,
          inputs: {},
          evaluate: fakeEvaluate,
          runId: "r",
          reporter: seen.reporter,
          beforeCompensation: async (id) => {
            recorded.push(id.slice("r.".length));
          },
        });

        // What completed (by the server's record) and what was compensated, in start order.
        const completed = (id: string) => client.history(id).some((e) => e.outcome?.status === "completed");
        const compensations = client.all.filter((e) => e.id.endsWith(".compensate")).map((e) => e.id);
        if (first.status === "completed") {
          expect(compensations).toEqual([]);
          return;
        }
        // Expected: steps latest-ended first; a forEach's completed items latest first.
        const expected: string[][] = [];
        for (const stepId of [...seen.steps].reverse()) {
          const at = Number(stepId.slice(1));
          const sp = plan[at] as StepPlan;
          if (!sp.compensate) continue;
          if (sp.items === 0) {
            if (completed(`r.${stepId}`)) expected.push([`r.${stepId}.compensate`]);
          } else {
            const order = [...(seen.items.get(stepId) ?? [])].reverse();
            if (order.length > 0) expected.push(order.map((index) => `r.${stepId}.${index}.compensate`));
          }
        }
        // Exactly once each, nothing else, step by step in order.
        expect(new Set(compensations).size).toBe(compensations.length);
        expect(compensations).toHaveLength(expected.flat().length);
        let offset = 0;
        for (const group of expected) {
          const actual = compensations.slice(offset, offset + group.length);
          expect(new Set(actual)).toEqual(new Set(group));
          // Items start in order, a pool of `concurrency` workers at most reordering within its width.
          const width = plan[Number(group[0]?.split(".")[1]?.slice(1))]?.concurrency ?? 1;
          for (const [position, id] of actual.entries())
            expect(position).toBeGreaterThanOrEqual(group.indexOf(id) - (width - 1));
          offset += group.length;
        }
        for (const id of compensations) {
          expect(completed(id.slice(0, -".compensate".length)), id).toBe(true);
          expect(client.latest(id)?.outcome?.status).toBe("completed");
        }

        // The resume: attempts as the session works them out; every failure point is passed now.
        const attempts = new Map<string, number>();
        const { rerun } = rerunSet(p, undoneSteps(p, attempts, recorded));
        nextAttempts(attempts, rerun);
        session.first = false;
        const second: RunRecord = await runPipeline(p, {
          client,
          inputs: {},
          evaluate: fakeEvaluate,
          runId: "r",
          attempts,
          resume: true,
        });
        expect(second.status).toBe("completed");
        const undone = new Set(compensations.map((id) => id.slice(0, -".compensate".length)));
        for (const record of second.steps.filter((s) => s.section === "steps")) {
          const ids = [record.execution?.executionId, ...(record.items ?? []).map((i) => i.execution?.executionId)];
          for (const id of ids) if (id !== undefined) expect(undone.has(id), `${record.id} reads ${id}`).toBe(false);
          // An undone step ran again under a new attempt.
          if (recorded.includes(record.id)) expect(attempts.get(record.id)).toBe(2);
        }
        expect(second.steps.find((s) => s.id === "audit")?.execution?.executionId).toBe("r.audit@2");
        expect(second.steps.find((s) => s.id === "audit")?.output).toEqual({ status: "completed" });
      }),
      { numRuns: 80 },
    );
  });

  it("holds when a second Ctrl-C cuts the rollback and the resume finishes it", async () => {
    await fc.assert(
      fc.asyncProperty(plans, fc.nat({ max: 6 }), async (plan, cutAt) => {
        const session = { first: true };
        const secondCtrlC = new AbortController();
        const client = new FakeTemporal({
          Work: workHandler(plan, session),
          Undo: cutAfter(cutAt, session, secondCtrlC),
        });
        const p = build(plan);
        const recorded: string[] = [];
        const first = await runPipeline(p, {
          client,
          inputs: {},
          evaluate: fakeEvaluate,
          runId: "r",
          terminateSignal: secondCtrlC.signal,
          beforeCompensation: async (id) => {
            recorded.push(id.slice("r.".length));
          },
        });
        if (first.status === "completed") return;
        const completed = (id: string) => client.history(id).some((e) => e.outcome?.status === "completed");
        // The work the cut rollback set out to undo: each completed execution of a step it recorded.
        const work = recorded.flatMap((stepId) => {
          const sp = plan[Number(stepId.slice(1))] as StepPlan;
          const ids = sp.items === 0 ? [`r.${stepId}`] : Array.from({ length: sp.items }, (_, i) => `r.${stepId}.${i}`);
          return ids.filter(completed);
        });

        const attempts = new Map<string, number>();
        const earlierUndo = { undos: earlierUndos(p, recorded, attempts), attempts: new Map(attempts) };
        nextAttempts(attempts, rerunSet(p, undoneSteps(p, attempts, recorded)).rerun);
        session.first = false;
        const second = await runPipeline(p, {
          client,
          inputs: {},
          evaluate: fakeEvaluate,
          runId: "r",
          attempts,
          resume: true,
          earlierUndo,
        });
        expect(second.status).toBe("completed");
        // Exactly once each: one compensation completed per execution, any other run of its ID one
        // the second Ctrl-C terminated; and no compensation of anything else.
        for (const id of work) {
          const runs = client.history(`${id}.compensate`);
          expect(
            runs.filter((e) => e.outcome?.status === "completed"),
            id,
          ).toHaveLength(1);
          expect(runs.filter((e) => e.outcome?.status !== "completed" && e.outcome?.status !== "terminated")).toEqual(
            [],
          );
        }
        const compensated = new Set(client.all.filter((e) => e.id.endsWith(".compensate")).map((e) => e.id));
        expect([...compensated].sort()).toEqual(work.map((id) => `${id}.compensate`).sort());
      }),
      { numRuns: 60 },
    );
  });
});
