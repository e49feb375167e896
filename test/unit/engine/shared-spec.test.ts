import { describe, expect, it } from "vitest";
import { scopeFree, withId } from "../../../src/engine/call-spec.js";
import type { ExecutionSpec } from "../../../src/engine/execution.js";
import { runPipeline } from "../../../src/engine/run-pipeline.js";
import type { Pipeline } from "../../../src/pipeline/model.js";
import { FakeTemporal, type Handler } from "../../support/unit/fake-temporal.js";
import { activity, expr, fakeEvaluate, literal, nexus, pipeline } from "../../support/unit/pipeline-builder.js";

const echo: Handler = async (input) => input;

const objectOf = (entries: Array<[string, ReturnType<typeof literal> | ReturnType<typeof expr>]>) => ({
  kind: "object" as const,
  entries,
});

function run(p: Pipeline, client: FakeTemporal) {
  return runPipeline(p, { client, inputs: {}, evaluate: fakeEvaluate, runId: "r" });
}

describe("a forEach start request that reads nothing of its item (call-spec.ts scopeFree)", () => {
  it("is scope-free only with no expression anywhere in input, args or summary and no computed setting", () => {
    expect(scopeFree(activity("a", "T"))).toBe(true);
    expect(scopeFree(activity("a", "T", { input: objectOf([["x", literal(1)]]) }))).toBe(true);
    expect(scopeFree(activity("a", "T", { input: objectOf([["x", expr((s) => s.item)]]) }))).toBe(false);
    expect(scopeFree(activity("a", "T", { args: { kind: "array", items: [literal(1), expr(() => 2)] } }))).toBe(false);
    expect(scopeFree(activity("a", "T", { summary: expr(() => "s") }))).toBe(false);
    expect(scopeFree(activity("a", "T", { computed: { taskQueue: expr(() => "q2") } }))).toBe(false);
  });

  it("withId gives another ID and leaves the shared request as it was", () => {
    const shared: ExecutionSpec = {
      kind: "nexus",
      options: { id: "", endpoint: "e", service: "s", operation: "o", input: { a: 1 } },
    };
    const one = withId(shared, "r.x.1");
    expect(one).toEqual({ ...shared, options: { ...shared.options, id: "r.x.1" } });
    expect(shared.options.id).toBe("");
  });

  it("starts every item under its own ID with the same input and summary", async () => {
    const client = new FakeTemporal({ "svc/op": async (input) => input });
    const record = await run(
      pipeline([
        nexus("ops", "op", {
          forEach: literal([10, 20, 30]),
          input: objectOf([
            ["k", literal("v")],
            ["n", literal(2)],
          ]),
          summary: literal("same for all"),
        }),
      ]),
      client,
    );
    expect(record.status).toBe("completed");
    expect(client.all.map((e) => e.id).sort()).toEqual(["r.ops.0", "r.ops.1", "r.ops.2"]);
    for (const e of client.all) expect(e.input).toEqual({ k: "v", n: 2 });
    expect(record.steps[0]?.output).toEqual([
      { k: "v", n: 2 },
      { k: "v", n: 2 },
      { k: "v", n: 2 },
    ]);
  });

  it("a literal that cannot be a request fails each item with its message, nothing started", async () => {
    const client = new FakeTemporal({ Echo: echo });
    const record = await run(
      pipeline([
        activity("each", "Echo", { forEach: literal([1, 2]), args: literal(5), toleratedFailures: { count: 5 } }),
      ]),
      client,
    );
    expect(client.all).toHaveLength(0);
    const items = record.steps[0]?.items ?? [];
    expect(items.map((i) => i.status)).toEqual(["failed", "failed"]);
    for (const i of items) expect(i.error?.message).toContain("args must be an array");
  });

  it("an item-dependent input is still evaluated per item", async () => {
    const client = new FakeTemporal({ Echo: echo });
    const record = await run(
      pipeline([activity("each", "Echo", { forEach: literal([1, 2]), input: expr((s) => s.item) })]),
      client,
    );
    expect(record.steps[0]?.output).toEqual([1, 2]);
  });
});
